// Rewrites a packet (or the packet quoted in an ICMP error) so that its flow tuple becomes a target
// tuple: addresses, ports or echo identifier, with the IPv4 header checksum and the TCP/UDP/ICMP
// checksum updated incrementally (RFC 1624) and every changed word reported to an enclosing checksum.
using System.Buffers.Binary;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Nat;

internal static class TupleRewriter
{
    private const int Ipv4ChecksumOffset = 10;

    /// <summary>
    /// Makes <paramref name="packet"/> (described by <paramref name="parsed"/>) carry <paramref name="target"/>.
    /// Fields beyond a quoted packet's end are left alone: a transport checksum that was not quoted
    /// cannot be updated and need not be. A UDP checksum of 0 over IPv4 means "none" and stays 0
    /// (RFC 768); a computed 0 is written as 0xFFFF. Changed words are added to <paramref name="enclosing"/>
    /// (for the ICMP error around a quoted packet; pass a throwaway delta otherwise).
    /// </summary>
    public static void Rewrite(Span<byte> packet, in NatPacket parsed, in FlowTuple target, ref ChecksumDelta enclosing)
    {
        bool v4 = parsed.Family == IpFamily.V4;
        FlowTuple current = parsed.Tuple;
        Span<byte> transport = packet[parsed.TransportOffset..parsed.Length];
        int checksumOffset;
        bool pseudoHeader;
        switch (parsed.Kind)
        {
            case NatPacketKind.Tcp:
                checksumOffset = 16;
                pseudoHeader = true;
                break;
            case NatPacketKind.Udp:
                checksumOffset = 6;
                pseudoHeader = true;
                break;
            case NatPacketKind.IcmpEchoRequest:
            case NatPacketKind.IcmpEchoReply:
                checksumOffset = 2;
                // ICMPv6 covers an IPv6 pseudo header (RFC 4443 2.3); ICMPv4 only the message (RFC 792).
                pseudoHeader = !v4;
                break;
            default:
                checksumOffset = -1;
                pseudoHeader = false;
                break;
        }
        bool hasChecksum = checksumOffset >= 0 && transport.Length >= checksumOffset + 2;
        ushort oldChecksum = hasChecksum ? BinaryPrimitives.ReadUInt16BigEndian(transport[checksumOffset..]) : (ushort)0;
        // UDP over IPv4 without a checksum; over IPv6 a zero checksum is invalid and is left so.
        bool updateChecksum = hasChecksum && !(parsed.Kind == NatPacketKind.Udp && oldChecksum == 0);

        ChecksumDelta transportDelta = default;
        ChecksumDelta ignored = default;
        ref ChecksumDelta pseudo = ref pseudoHeader ? ref transportDelta : ref ignored;
        Span<byte> address = stackalloc byte[IpAddressKey.V6Length];
        int addressLength = parsed.AddressLength;
        if (!current.SourceAddressEquals(target))
        {
            target.WriteSource(address);
            ReplaceAddress(packet, parsed.SourceOffset, v4, address[..addressLength], ref enclosing, ref pseudo);
        }
        if (!current.DestinationAddressEquals(target))
        {
            target.WriteDestination(address);
            ReplaceAddress(packet, parsed.DestinationOffset, v4, address[..addressLength], ref enclosing, ref pseudo);
        }
        switch (parsed.Kind)
        {
            case NatPacketKind.Tcp:
            case NatPacketKind.Udp:
                ReplaceWord(transport, 0, target.SourcePort, ref enclosing, ref transportDelta);
                ReplaceWord(transport, 2, target.DestinationPort, ref enclosing, ref transportDelta);
                break;
            case NatPacketKind.IcmpEchoRequest:
                ReplaceWord(transport, 4, target.SourcePort, ref enclosing, ref transportDelta);
                break;
            case NatPacketKind.IcmpEchoReply:
                ReplaceWord(transport, 4, target.DestinationPort, ref enclosing, ref transportDelta);
                break;
        }
        if (updateChecksum && !transportDelta.IsEmpty)
        {
            ushort newChecksum = transportDelta.Apply(oldChecksum);
            if (parsed.Kind == NatPacketKind.Udp && newChecksum == 0)
            {
                newChecksum = 0xFFFF;
            }
            enclosing.Add(oldChecksum, newChecksum);
            BinaryPrimitives.WriteUInt16BigEndian(transport[checksumOffset..], newChecksum);
        }
    }

    /// <summary>
    /// Overwrites the address at <paramref name="offset"/> (IPv4: updating the header checksum). The
    /// address change is added to <paramref name="pseudoHeader"/> (for a checksum over a pseudo header)
    /// and, with the header checksum's change, to <paramref name="enclosing"/>.
    /// </summary>
    public static void ReplaceAddress(
        Span<byte> packet, int offset, bool v4, ReadOnlySpan<byte> address, ref ChecksumDelta enclosing, ref ChecksumDelta pseudoHeader)
    {
        Span<byte> field = packet.Slice(offset, address.Length);
        // One sum of each address serves every checksum it is in (RFC 1624 eqn. 3 over the address words).
        uint oldSum = SumAddress(field);
        uint newSum = SumAddress(address);
        if (v4)
        {
            ushort oldHeaderChecksum = BinaryPrimitives.ReadUInt16BigEndian(packet[Ipv4ChecksumOffset..]);
            ushort newHeaderChecksum = Checksum.Finish((uint)(ushort)~oldHeaderChecksum + (ushort)~oldSum + newSum);
            BinaryPrimitives.WriteUInt16BigEndian(packet[Ipv4ChecksumOffset..], newHeaderChecksum);
            enclosing.Add(oldHeaderChecksum, newHeaderChecksum);
        }
        enclosing.Add((ushort)oldSum, (ushort)newSum);
        pseudoHeader.Add((ushort)oldSum, (ushort)newSum);
        address.CopyTo(field);
    }

    /// <summary>The folded sum of an address's words; IPv4's two words are added directly (the per-packet case).</summary>
    private static uint SumAddress(ReadOnlySpan<byte> address)
    {
        if (address.Length == IpAddressKey.V4Length)
        {
            uint value = BinaryPrimitives.ReadUInt32BigEndian(address);
            return Checksum.Fold((value >> 16) + (value & 0xFFFF));
        }
        return Checksum.Sum(address);
    }

    private static void ReplaceWord(Span<byte> data, int offset, ushort value, ref ChecksumDelta enclosing, ref ChecksumDelta checksum)
    {
        ushort old = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
        if (old == value)
        {
            return;
        }
        enclosing.Add(old, value);
        checksum.Add(old, value);
        BinaryPrimitives.WriteUInt16BigEndian(data[offset..], value);
    }
}
