// The timer state machine under a fake clock (whitepaper §6): rekey, expiry, retransmission and
// giving up, keepalives, key erasure, and the cookie path under load.
namespace WgSharp.Noise.Tests.Engine;

public class TimerTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void Rekey_after_120_seconds_loses_no_packet()
    {
        using var pair = new TunnelPair();
        int sent = 0;
        for (int second = 0; second < 300; second++)
        {
            pair.Send(pair.A, Packets.IPv4(10, marker: sent++));
            pair.Send(pair.B, Packets.IPv4(10, marker: sent++));
            pair.Run(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(250));
        }

        // Every packet arrived, in order, on each side.
        Assert.Equal(Enumerable.Range(0, sent).Where(i => i % 2 == 0), pair.B.Delivered.Select(Packets.Marker));
        Assert.Equal(Enumerable.Range(0, sent).Where(i => i % 2 == 1), pair.A.Delivered.Select(Packets.Marker));

        // A rekeyed roughly every REKEY_AFTER_TIME: 300 s → first handshake plus two rekeys.
        int initiations = pair.Wire.Count(w => w.Datagram[0] == 1);
        Assert.InRange(initiations, 3, 4);
        Assert.Equal(0, pair.A.Tunnel.Drops.Total);
        Assert.Equal(0, pair.B.Tunnel.Drops.Total);
    }

    [Fact]
    public void Sessions_are_rejected_after_180_seconds()
    {
        using var pair = new TunnelPair();
        pair.Send(pair.A, Packets.IPv4(10));
        pair.NetworkUp = false;
        pair.Send(pair.A, Packets.IPv4(10, marker: 5));
        byte[] late = pair.A.Sent.Last();
        Assert.Equal(4, late[0]);

        pair.Clock.Advance(WireGuardConstants.RejectAfterTime + TimeSpan.FromSeconds(1));
        Assert.Equal(DropReason.SessionExpired, pair.DeliverRaw(pair.B, late).DropReason);
        Assert.False(pair.A.Tunnel.HasSession);

        // A packet now needs a new handshake.
        pair.Send(pair.A, Packets.IPv4(10));
        Assert.Equal(1, pair.A.Sent.Last()[0]);
    }

    [Fact]
    public void Handshake_retries_every_5_seconds_and_gives_up_after_90()
    {
        using var pair = new TunnelPair();
        pair.NetworkUp = false;
        pair.Send(pair.A, Packets.IPv4(10));
        var times = new List<TimeSpan> { TimeSpan.Zero };
        TimeSpan elapsed = TimeSpan.Zero;
        while (elapsed < TimeSpan.FromSeconds(120))
        {
            int before = pair.A.Sent.Count;
            pair.Run(Tick, Tick);
            elapsed += Tick;
            if (pair.A.Sent.Count > before)
            {
                times.Add(elapsed);
            }
        }

        Assert.All(pair.A.Sent, d => Assert.Equal(1, d[0]));
        for (int i = 1; i < times.Count; i++)
        {
            TimeSpan gap = times[i] - times[i - 1];
            Assert.InRange(gap, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5.5)); // REKEY_TIMEOUT + jitter
        }

        Assert.True(times[^1] < TimeSpan.FromSeconds(90), $"last attempt at {times[^1]}");
        Assert.InRange(times.Count, 16, 19);
        Assert.Equal(1, pair.A.Tunnel.Drops[DropReason.QueueOverflow]); // the queued packet was dropped on giving up
        Assert.False(pair.A.Tunnel.IsHandshaking);
    }

    [Fact]
    public void Keepalive_follows_10_seconds_of_one_way_traffic()
    {
        using var pair = new TunnelPair();
        pair.Send(pair.A, Packets.IPv4(10));
        int keepalivesBefore = pair.B.Sent.Count(d => d.Length == 32);
        pair.Run(TimeSpan.FromSeconds(9.5), Tick);
        Assert.Equal(keepalivesBefore, pair.B.Sent.Count(d => d.Length == 32));
        pair.Run(TimeSpan.FromSeconds(1), Tick);
        Assert.Equal(keepalivesBefore + 1, pair.B.Sent.Count(d => d.Length == 32));

        // No keepalive when B answers with data of its own.
        pair.Send(pair.A, Packets.IPv4(10));
        pair.Run(TimeSpan.FromSeconds(2), Tick);
        pair.Send(pair.B, Packets.IPv4(10));
        pair.Run(TimeSpan.FromSeconds(15), Tick);
        Assert.Equal(keepalivesBefore + 1, pair.B.Sent.Count(d => d.Length == 32));
    }

    [Fact]
    public void Persistent_keepalive_is_sent_at_its_interval()
    {
        using var pair = new TunnelPair();
        pair.Send(pair.A, Packets.IPv4(10));
        pair.A.Tunnel.PersistentKeepalive = TimeSpan.FromSeconds(25);
        var keepaliveTimes = new List<double>();
        for (int i = 1; i <= 1010; i++)
        {
            int before = pair.A.Sent.Count;
            pair.Run(Tick, Tick);
            if (pair.A.Sent.Count > before && pair.A.Sent[^1].Length == 32)
            {
                keepaliveTimes.Add(Math.Round(i * Tick.TotalSeconds, 1));
            }
        }

        // B's passive keepalive at 10 s is authenticated traffic too, so A's countdown restarts there:
        // then every 25 s of silence.
        Assert.Equal([35.0, 60.0, 85.0], keepaliveTimes);
    }

    [Fact]
    public void New_handshake_when_sent_data_gets_no_answer_for_15_seconds()
    {
        using var pair = new TunnelPair();
        pair.Send(pair.A, Packets.IPv4(10));
        pair.Send(pair.B, Packets.IPv4(10));
        pair.NetworkUp = false;
        int before = pair.A.SentOfType(1);
        pair.Send(pair.A, Packets.IPv4(10));
        pair.Run(TimeSpan.FromSeconds(14), Tick);
        Assert.Equal(before, pair.A.SentOfType(1));
        pair.Run(TimeSpan.FromSeconds(1.5), Tick);
        Assert.Equal(before + 1, pair.A.SentOfType(1));
    }

    [Fact]
    public void Keys_are_erased_after_three_times_reject_after_time()
    {
        using var pair = new TunnelPair();
        pair.Send(pair.A, Packets.IPv4(10));
        pair.NetworkUp = false;
        pair.Run(WireGuardConstants.ZeroKeyMaterialAfter + TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        Assert.False(pair.A.Tunnel.HasSession);
        Assert.False(pair.B.Tunnel.HasSession);
        Assert.False(pair.A.Tunnel.IsHandshaking);
    }

    [Fact]
    public void Under_load_a_cookie_is_demanded_and_the_retry_with_mac2_succeeds()
    {
        using var pair = new TunnelPair();
        pair.B.Directory.IsUnderLoad = true;
        pair.Send(pair.A, Packets.IPv4(10, marker: 7));

        Assert.Equal(1, pair.B.SentOfType(3)); // cookie reply instead of a response
        Assert.Equal(0, pair.B.SentOfType(2));
        Assert.Equal(1, pair.B.Directory.Drops[DropReason.CookieRequired]);

        // The initiator retries after REKEY_TIMEOUT with mac2 and gets through.
        pair.Run(TimeSpan.FromSeconds(6), Tick);
        Assert.Equal(1, pair.B.SentOfType(2));
        Assert.Equal(7, Packets.Marker(pair.B.Delivered.Single()));
        byte[] retry = pair.A.Sent.Last(d => d[0] == 1);
        Assert.Contains(retry.AsSpan(132, 16).ToArray(), b => b != 0); // mac2 is set
    }

    [Fact]
    public void Forged_cookie_reply_is_dropped()
    {
        using var pair = new TunnelPair();
        pair.NetworkUp = false;
        pair.Send(pair.A, Packets.IPv4(10));
        byte[] initiation = pair.A.Sent.Single();
        var forged = new byte[64];
        forged[0] = 3;
        initiation.AsSpan(4, 4).CopyTo(forged.AsSpan(4)); // the right receiver index, garbage cookie
        Assert.Equal(DropReason.InvalidCookieReply, pair.DeliverRaw(pair.A, forged).DropReason);
    }
}
