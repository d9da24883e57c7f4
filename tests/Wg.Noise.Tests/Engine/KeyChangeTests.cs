// Changing the interface's private key while handshake messages are processed on another thread: the
// old identity is erased only after the last message using it is done, so nothing ever throws.
using WgSharp.Noise.Keys;

namespace WgSharp.Noise.Tests.Engine;

public class KeyChangeTests
{
    [Fact]
    public void A_private_key_change_in_the_middle_of_an_initiation_does_not_pull_the_key_from_under_it()
    {
        using var pair = new TunnelPair();
        using PrivateKey other = PrivateKey.Generate(SystemRandomSource.Instance);
        pair.NetworkUp = false;
        pair.Send(pair.A, Packets.IPv4(20));
        byte[] initiation = pair.A.Sent[^1];

        int changes = 0;
        pair.B.Directory.IdentityAcquiredForTests = () =>
        {
            if (changes++ == 0)
            {
                pair.B.Directory.SetPrivateKey(other); // as `wg set private-key` on the configuration thread
            }
        };

        // Decrypted with the identity it started with (then refused: the peer's handshake state has moved on).
        TunnelResult result = pair.DeliverRaw(pair.B, initiation);
        Assert.Equal(1, changes);
        Assert.NotEqual(TunnelOperation.WriteToTunnelV4, result.Operation);
        Assert.Equal(other.ComputePublicKey(), pair.B.Directory.PublicKey);
    }

    [Fact]
    public void Private_key_changes_while_initiations_are_processed_never_throw()
    {
        using var pair = new TunnelPair();
        using PrivateKey other = PrivateKey.Generate(SystemRandomSource.Instance);

        // Initiations that pass mac1 under B's real key, so each one reaches the DH with B's private key.
        pair.NetworkUp = false;
        var initiations = new List<byte[]>();
        for (int i = 0; i < 32; i++)
        {
            pair.A.Tunnel.ClearSessions();
            pair.Send(pair.A, Packets.IPv4(20));
            initiations.Add(pair.A.Sent[^1]);
        }

        Assert.All(initiations, d => Assert.Equal(1, d[0]));
        Exception? failure = null;
        long processed = 0;
        using var stop = new CancellationTokenSource();
        var receiver = new Thread(() =>
        {
            byte[] buffer = new byte[1024];
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    foreach (byte[] initiation in initiations)
                    {
                        byte[] copy = (byte[])initiation.Clone();
                        pair.B.Directory.Receive(copy, [10, 0, 0, 1], 51820, buffer, out _);
                        processed++;
                    }
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        receiver.Start();

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(1.5);
        int changes = 0;
        while (DateTime.UtcNow < until && failure is null)
        {
            pair.B.Directory.SetPrivateKey(changes++ % 2 == 0 ? other : pair.B.PrivateKey);
        }

        stop.Cancel();
        receiver.Join();
        Assert.Null(failure);
        Assert.True(changes > 20 && processed > 100, $"{changes} key changes, {processed} messages");

        // Back on its own key, B still completes handshakes.
        pair.B.Directory.SetPrivateKey(pair.B.PrivateKey);
        pair.NetworkUp = true;
        pair.A.Tunnel.ClearSessions();
        pair.Clock.Advance(TimeSpan.FromSeconds(1));
        pair.Send(pair.A, Packets.IPv4(20, marker: 5));
        Assert.Equal(5, Packets.Marker(pair.B.Delivered[^1]));
    }

    [Fact]
    public void The_cookie_secret_is_zeroed_when_it_expires_and_on_dispose()
    {
        using PrivateKey key = PrivateKey.Generate(SystemRandomSource.Instance);
        using var identity = new StaticIdentity(key);
        var checker = new CookieChecker(identity, SystemRandomSource.Instance);
        byte[] reply = new byte[64];
        byte[] mac1 = new byte[16];
        TimeSpan t0 = TimeSpan.FromHours(1);

        Assert.True(checker.IsSecretZero);
        checker.WriteCookieReply(1, mac1, [192, 0, 2, 1], 1234, t0, reply);
        Assert.False(checker.IsSecretZero);

        // Two minutes later no cookie of the old secret may verify, and the secret is gone from memory.
        Assert.False(checker.IsMac2Valid(new byte[100], new byte[16], [192, 0, 2, 1], 1234, t0 + WireGuardConstants.CookieRefreshTime));
        Assert.True(checker.IsSecretZero);

        checker.WriteCookieReply(1, mac1, [192, 0, 2, 1], 1234, t0 + TimeSpan.FromMinutes(3), reply);
        Assert.False(checker.IsSecretZero);
        checker.Dispose();
        Assert.True(checker.IsSecretZero);
    }
}
