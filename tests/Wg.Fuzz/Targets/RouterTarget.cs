// The router stage on arbitrary IPv4/IPv6 packets: conntrack and NAT (masquerade out, a port forward
// in, the replies and ICMP errors back) and MSS clamping. Input byte 0 flags (bit 0: the packet comes
// in from a peer towards a port forward, else it goes out masqueraded; bit 1: fix its checksums first;
// bit 2: the peer is `Inbound = established`), byte 1 the MSS to clamp to (x 8), then the packet.
// Invariants: never an exception; a dropped packet has a reason and is left as it was; a passed packet
// keeps its length and, when its checksums were valid, keeps them valid; for a translated flow the reply
// and an ICMP error about it come back un-NATed to exactly the original addresses and ports; clamping
// only lowers an MSS and keeps the checksum valid.
using WgSharp.Router.Nat;
using WgSharp.Router.Policy;
using WgSharp.Router.Routing;

namespace WgSharp.Fuzz.Targets;

internal sealed class RouterTarget : IFuzzTarget
{
    private static readonly IpAddressKey MasqueradeV4 = IpAddressKey.Parse("10.5.0.2");
    private static readonly IpAddressKey MasqueradeV6 = IpAddressKey.Parse("fd00:5::2");
    private static readonly TimeSpan Now = TimeSpan.FromHours(1);

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 3)
        {
            return;
        }

        byte flags = input[0];
        byte[] packet = input[2..].ToArray();
        if ((flags & 2) != 0)
        {
            PacketChecks.Fix(packet);
        }

        Clamp((byte[])packet.Clone(), (ushort)(input[1] * 8));

        var nat = new NatEngine(new ConnectionTracker(new ConntrackOptions { Capacity = 64, HashSeed = 1 }));
        nat.SetPortForwards(
        [
            new PortForward(6, MasqueradeV4, 8080, IpAddressKey.Parse("192.168.1.10"), 80),
            new PortForward(17, MasqueradeV4, 5353, IpAddressKey.Parse("192.168.1.10"), 53),
            new PortForward(6, MasqueradeV6, 8080, IpAddressKey.Parse("fd00:1::10"), 80),
        ]);
        bool inbound = (flags & 1) != 0;
        byte[] original = (byte[])packet.Clone();
        bool validBefore = PacketChecks.Valid(packet);
        bool v6 = packet.Length > 0 && packet[0] >> 4 == 6;
        NatResult result = inbound
            ? nat.TranslateInbound(packet, 2, establishedOnly: (flags & 4) != 0, Now)
            : nat.TranslateOutbound(packet, 1, v6 ? MasqueradeV6 : MasqueradeV4, Now);
        if (result.IsDropped)
        {
            InvariantException.Check(packet.AsSpan().SequenceEqual(original), $"a packet dropped ({result.DropReason}) was changed");
            return;
        }
        InvariantException.Check(!validBefore || PacketChecks.Valid(packet), $"NAT broke a valid checksum ({result})");
        if (!result.Translated || !Endpoints.TryRead(original, out Endpoints before) || !Endpoints.TryRead(packet, out Endpoints after))
        {
            return;
        }

        // The other end answers the translated packet: the reply must come back addressed to the original sender.
        byte[] reply = Endpoints.Reply(packet, after);
        NatResult back = inbound
            ? nat.TranslateOutbound(reply, 2, default, Now)
            : nat.TranslateInbound(reply, 1, establishedOnly: (flags & 4) != 0, Now);
        if (!back.IsDropped)
        {
            InvariantException.Check(Endpoints.TryRead(reply, out Endpoints restored) && restored == before.Inverted(),
                $"the reply was un-NATed to {(Endpoints.TryRead(reply, out Endpoints r) ? r : default)}, not to {before.Inverted()}");
            InvariantException.Check(PacketChecks.Valid(reply), "the un-NATed reply has an invalid checksum");
        }
        else
        {
            InvariantException.Check(before.Protocol == 6, $"the reply of a translated {before.Protocol} flow was dropped ({back.DropReason})");
        }

        // A router on the way sends an ICMP error about the translated packet back; it must quote the original.
        byte[] error = Endpoints.ErrorAbout(packet, after);
        NatResult errorBack = inbound
            ? nat.TranslateOutbound(error, 2, default, Now)
            : nat.TranslateInbound(error, 1, establishedOnly: (flags & 4) != 0, Now);
        InvariantException.Check(!errorBack.IsDropped, $"an ICMP error about a translated flow was dropped ({errorBack.DropReason})");
        InvariantException.Check(Endpoints.TryReadQuoted(error, out Endpoints quoted) && quoted == before,
            "the ICMP error's quoted packet was not restored to the original");
        InvariantException.Check(PacketChecks.Valid(error), "the un-NATed ICMP error has an invalid checksum");
    }

    private static void Clamp(byte[] packet, ushort maximum)
    {
        byte[] before = (byte[])packet.Clone();
        bool valid = PacketChecks.Valid(packet);
        bool changed = MssClamp.TryClamp(packet, maximum);
        InvariantException.Check(changed || packet.AsSpan().SequenceEqual(before), "clamping changed a packet and said it did not");
        InvariantException.Check(!valid || PacketChecks.Valid(packet), "clamping broke a valid checksum");
        if (!changed)
        {
            return;
        }
        InvariantException.Check(packet.Length == before.Length, "clamping changed the length");
    }
}
