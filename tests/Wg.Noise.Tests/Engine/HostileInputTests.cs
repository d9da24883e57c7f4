// Hostile datagrams (random bytes, and real messages with bytes flipped, cut or appended) never throw
// and never change a tunnel's state: afterwards the counters are as before and traffic still flows.
using FsCheck;
using FsCheck.Fluent;

namespace WgSharp.Noise.Tests.Engine;

public class HostileInputTests
{
    [Fact]
    public void Random_datagrams_never_throw_and_change_nothing()
    {
        using var pair = new TunnelPair();
        pair.Send(pair.A, Packets.IPv4(10));
        long rxBefore = pair.B.Tunnel.RxBytes;

        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), (byte[] datagram) =>
        {
            TunnelResult result = pair.DeliverRaw(pair.B, datagram);
            return result.Operation is TunnelOperation.Drop;
        }).QuickCheckThrowOnFailure();

        // Short datagrams that happen to carry a valid-looking header are covered by the mutations below.
        Assert.Equal(rxBefore, pair.B.Tunnel.RxBytes);
        AssertStillWorks(pair);
    }

    [Fact]
    public void Mutated_real_messages_never_throw_and_change_nothing()
    {
        using var pair = new TunnelPair();
        pair.NetworkUp = false;
        pair.Send(pair.A, Packets.IPv4(100));
        byte[] initiation = pair.A.Sent.Last();
        pair.NetworkUp = true;
        pair.A.Tunnel.ClearSessions();
        pair.Clock.Advance(TimeSpan.FromSeconds(6));
        pair.Send(pair.A, Packets.IPv4(100));
        byte[] response = pair.B.Sent.Last(d => d[0] == 2);
        pair.Send(pair.A, Packets.IPv4(300));
        byte[] transport = pair.A.Sent.Last(d => d[0] == 4);
        var cookie = new byte[64];
        cookie[0] = 3;
        transport.AsSpan(4, 4).CopyTo(cookie.AsSpan(4));
        byte[][] originals = [initiation, response, transport, cookie];

        long rxA = pair.A.Tunnel.RxBytes, rxB = pair.B.Tunnel.RxBytes;
        Gen<(int Which, int Position, byte Xor, int Cut, int Extra)> mutations =
            from which in Gen.Choose(0, originals.Length - 1)
            from position in Gen.Choose(0, 400)
            from xor in Gen.Choose(1, 255)
            from cut in Gen.Choose(-1, 400)
            from extra in Gen.Choose(0, 3)
            select (which, position, (byte)xor, cut, extra);

        Prop.ForAll(mutations.ToArbitrary(), m =>
        {
            byte[] original = originals[m.Which];
            byte[] mutated = (byte[])original.Clone();
            mutated[m.Position % mutated.Length] ^= m.Xor;
            if (m.Cut >= 0 && m.Cut < mutated.Length)
            {
                mutated = mutated[..m.Cut];
            }

            mutated = [.. mutated, .. new byte[m.Extra]];
            TunnelPair.Side target = m.Which is 1 or 3 ? pair.A : pair.B;
            TunnelResult result = pair.DeliverRaw(target, mutated);
            return result.Operation == TunnelOperation.Drop;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));

        Assert.Equal(rxA, pair.A.Tunnel.RxBytes);
        Assert.Equal(rxB, pair.B.Tunnel.RxBytes);
        AssertStillWorks(pair);
    }

    private static void AssertStillWorks(TunnelPair pair)
    {
        int delivered = pair.B.Delivered.Count;
        pair.Send(pair.A, Packets.IPv4(50, marker: 4242));
        Assert.Equal(delivered + 1, pair.B.Delivered.Count);
        Assert.Equal(4242, Packets.Marker(pair.B.Delivered[^1]));
        pair.Send(pair.B, Packets.IPv4(50, marker: 4343));
        Assert.Equal(4343, Packets.Marker(pair.A.Delivered[^1]));
    }
}
