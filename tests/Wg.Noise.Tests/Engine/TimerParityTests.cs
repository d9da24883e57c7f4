// Timer behaviour that follows wireguard-go's device/timers.go beyond the whitepaper: jitter on the
// new-handshake timer, a second passive keepalive for data that arrived while one was pending, and
// forgetting the sticky source address when the peer stops answering. All on the manual clock.
namespace WgSharp.Noise.Tests.Engine;

public class TimerParityTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    [Fact]
    public void The_new_handshake_timer_fires_15_seconds_plus_a_random_jitter_after_unanswered_data()
    {
        var delays = new List<TimeSpan>();
        for (int seed = 1; seed <= 6; seed++)
        {
            using var pair = new TunnelPair(random: new SeededRandomSource(seed));
            pair.Send(pair.A, Packets.IPv4(20)); // handshake, then the data packet: the timer starts now
            pair.NetworkUp = false;

            TimeSpan elapsed = TimeSpan.Zero;
            while (pair.A.Sent[^1][0] != 1 && elapsed < TimeSpan.FromSeconds(20))
            {
                pair.Run(Step, Step);
                elapsed += Step;
            }

            Assert.Equal(1, pair.A.Sent[^1][0]);
            Assert.True(pair.A.Tunnel.TakeEndpointSourceReset(), "the sticky source was not reset");
            delays.Add(elapsed);
        }

        TimeSpan baseDelay = WireGuardConstants.KeepaliveTimeout + WireGuardConstants.RekeyTimeout;
        Assert.All(delays, d => Assert.InRange(d, baseDelay, baseDelay + WireGuardConstants.RekeyTimeoutJitterMax + Step));
        Assert.True(delays.Distinct().Count() >= 3, "no jitter: " + string.Join(", ", delays));
    }

    [Fact]
    public void Data_received_while_a_keepalive_is_pending_earns_a_second_keepalive()
    {
        using var pair = new TunnelPair();
        pair.Send(pair.A, Packets.IPv4(20)); // B receives data: its passive keepalive is due in 10 s
        pair.Run(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));
        pair.Send(pair.A, Packets.IPv4(20)); // more data while that keepalive is pending
        int before = Keepalives(pair.B);

        pair.Run(TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));

        // One at 10 s for the first packet, one 10 s later for the second (wireguard-go's needAnotherKeepalive).
        Assert.Equal(2, Keepalives(pair.B) - before);
    }

    [Fact]
    public void A_handshake_retransmission_resets_the_sticky_source_and_a_first_initiation_does_not()
    {
        using var pair = new TunnelPair();
        pair.NetworkUp = false;
        pair.Send(pair.A, Packets.IPv4(20));
        Assert.Equal(1, pair.A.Sent[^1][0]);
        Assert.False(pair.A.Tunnel.TakeEndpointSourceReset());

        int initiations = pair.A.SentOfType(1);
        while (pair.A.SentOfType(1) == initiations)
        {
            pair.Run(Step, Step);
        }

        Assert.True(pair.A.Tunnel.TakeEndpointSourceReset());
        Assert.False(pair.A.Tunnel.TakeEndpointSourceReset()); // once per reset
    }

    private static int Keepalives(TunnelPair.Side side) => side.Sent.Count(d => d[0] == 4 && d.Length == 32);

    private sealed class SeededRandomSource(int seed) : IRandomSource
    {
        private readonly Random _random = new(seed);

        public void Fill(Span<byte> destination)
        {
            lock (_random)
            {
                _random.NextBytes(destination);
            }
        }
    }
}
