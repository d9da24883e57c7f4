// The NAT stage's own summary of a packet: its flow tuple, kind, where the transport header sits and
// the TCP flags, parsed once without allocating from a whole packet or from one quoted in an ICMP error.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Nat;

[StructLayout(LayoutKind.Auto)]
internal readonly struct NatPacket
{
    /// <summary>Transport bytes a quoted TCP/UDP header must keep: the ports (RFC 792 promises 8 bytes).</summary>
    private const int QuotedPortBytes = 4;

    private NatPacket(in FlowTuple tuple, NatPacketKind kind, int transportOffset, int length, TcpFlags tcpFlags, in IpFragment fragment)
    {
        Fragment = fragment;
        Tuple = tuple;
        Kind = kind;
        TransportOffset = transportOffset;
        Length = length;
        TcpFlags = tcpFlags;
    }

    public FlowTuple Tuple { get; }

    public NatPacketKind Kind { get; }

    public IpFamily Family => Tuple.Family;

    /// <summary>Where the transport header starts (after IPv4 options / IPv6 extension headers).</summary>
    public int TransportOffset { get; }

    /// <summary>The packet's length: IPv4 Total Length or 40 + Payload Length; for a quoted packet, what is present of it.</summary>
    public int Length { get; }

    /// <summary>The TCP flags (TCP only; <see cref="TcpFlags.None"/> for a quoted packet).</summary>
    public TcpFlags TcpFlags { get; }

    /// <summary>
    /// The fragmentation fields (default for a whole packet). A first fragment parses as
    /// <see cref="NatPacketStatus.Valid"/> with its transport header; a later one as
    /// <see cref="NatPacketStatus.Fragment"/>, with ports 0, <see cref="NatPacketKind.Other"/> and
    /// <see cref="TransportOffset"/> where its data starts.
    /// </summary>
    public IpFragment Fragment { get; }

    /// <summary>Offset of the source address in the IP header (12 for IPv4, 8 for IPv6).</summary>
    public int SourceOffset => Family == IpFamily.V4 ? 12 : 8;

    /// <summary>Offset of the destination address in the IP header (16 for IPv4, 24 for IPv6).</summary>
    public int DestinationOffset => Family == IpFamily.V4 ? 16 : 24;

    public int AddressLength => Family == IpFamily.V4 ? IpAddressKey.V4Length : IpAddressKey.V6Length;

    public bool IsIcmpEcho => Kind is NatPacketKind.IcmpEchoRequest or NatPacketKind.IcmpEchoReply;

    /// <summary>Describes a whole packet as TUN or a decrypting peer delivers it (trailing bytes ignored). Never throws.</summary>
    public static NatPacketStatus Parse(ReadOnlySpan<byte> packet, out NatPacket parsed) => Parse(packet, quoted: false, out parsed);

    /// <summary>
    /// Describes the packet an ICMP error quotes: usually truncated, so the IP header must be whole but
    /// only the ports (TCP/UDP) or the first 8 bytes (ICMP) of the transport header need be present. An
    /// ICMP error quoting an ICMP error is malformed (RFC 1122 3.2.2: errors are never sent about errors).
    /// </summary>
    public static NatPacketStatus ParseQuoted(ReadOnlySpan<byte> quoted, out NatPacket parsed) => Parse(quoted, quoted: true, out parsed);

    private static NatPacketStatus Parse(ReadOnlySpan<byte> packet, bool quoted, out NatPacket parsed)
    {
        parsed = default;
        int version = IpPacket.GetVersion(packet);
        int length;
        int transportOffset;
        byte protocol;
        ReadOnlySpan<byte> source;
        ReadOnlySpan<byte> destination;
        IpFragment fragment = default;
        if (version == 4)
        {
            if (packet.Length < Ipv4Header.MinLength)
            {
                return NatPacketStatus.Malformed;
            }
            transportOffset = (packet[0] & 0x0F) * 4;
            int total = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
            if (transportOffset < Ipv4Header.MinLength || total < transportOffset || transportOffset > packet.Length
                || (!quoted && total > packet.Length))
            {
                return NatPacketStatus.Malformed;
            }
            length = Math.Min(total, packet.Length);
            // More Fragments or a fragment offset (RFC 791 3.1).
            ushort field = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
            if ((field & 0x3FFF) != 0)
            {
                fragment = new IpFragment(
                    BinaryPrimitives.ReadUInt16BigEndian(packet[4..]), (field & 0x1FFF) * IpFragment.Unit, total - transportOffset, (field & 0x2000) != 0);
            }
            protocol = packet[9];
            source = packet.Slice(12, 4);
            destination = packet.Slice(16, 4);
        }
        else if (version == 6)
        {
            if (packet.Length < Ipv6Header.Length)
            {
                return NatPacketStatus.Malformed;
            }
            int total = Ipv6Header.Length + BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
            if (!quoted && total > packet.Length)
            {
                return NatPacketStatus.Malformed;
            }
            length = Math.Min(total, packet.Length);
            if (!Ipv6Header.TryFindUpperLayer(packet[..length], out Ipv6UpperLayer upper))
            {
                return NatPacketStatus.Malformed;
            }
            protocol = upper.Protocol;
            transportOffset = upper.Offset;
            // An atomic fragment (offset 0, M = 0) is a whole packet (RFC 6946 4).
            if (upper.IsFragment)
            {
                fragment = new IpFragment(upper.FragmentIdentification, upper.FragmentOffset, total - transportOffset, upper.MoreFragments);
            }
            source = packet.Slice(8, 16);
            destination = packet.Slice(24, 16);
        }
        else
        {
            return NatPacketStatus.Malformed;
        }

        if (fragment.IsFragment)
        {
            // Every fragment but the last carries a multiple of 8 bytes (RFC 791 3.2, RFC 8200 4.5), and no
            // fragment reaches past the largest datagram (the "ping of death").
            if (fragment.DataLength <= 0 || (fragment.MoreFragments && fragment.DataLength % IpFragment.Unit != 0) || fragment.End > IpFragment.MaxEnd)
            {
                return NatPacketStatus.Malformed;
            }
            if (fragment.Offset != 0)
            {
                // Offset 1 could rewrite a TCP header's flags after a first fragment passed (RFC 1858 3.2).
                if (protocol == IpProtocol.Tcp && fragment.Offset == IpFragment.Unit)
                {
                    return NatPacketStatus.TinyFragment;
                }
                parsed = new NatPacket(
                    FlowTuple.FromAddressBytes(protocol, source, 0, destination, 0), NatPacketKind.Other, transportOffset, length, TcpFlags.None, fragment);
                return NatPacketStatus.Fragment;
            }
        }
        // A first fragment must hold the whole transport header (RFC 1858 3.1); its UDP length covers the whole datagram.
        bool first = fragment.IsFirst;
        ReadOnlySpan<byte> transport = packet[transportOffset..length];
        NatPacketKind kind;
        ushort sourcePort = 0;
        ushort destinationPort = 0;
        TcpFlags flags = TcpFlags.None;
        byte icmpProtocol = version == 4 ? IpProtocol.Icmp : IpProtocol.IcmpV6;
        if (protocol == IpProtocol.Tcp)
        {
            if (quoted)
            {
                if (transport.Length < QuotedPortBytes)
                {
                    return NatPacketStatus.Malformed;
                }
            }
            else
            {
                int headerLength = transport.Length >= TcpHeader.MinLength ? (transport[12] >> 4) * 4 : 0;
                if (headerLength < TcpHeader.MinLength || headerLength > transport.Length)
                {
                    return first ? NatPacketStatus.TinyFragment : NatPacketStatus.Malformed;
                }
                flags = (TcpFlags)transport[13];
            }
            kind = NatPacketKind.Tcp;
            sourcePort = BinaryPrimitives.ReadUInt16BigEndian(transport);
            destinationPort = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
        }
        else if (protocol == IpProtocol.Udp)
        {
            if (quoted)
            {
                if (transport.Length < QuotedPortBytes)
                {
                    return NatPacketStatus.Malformed;
                }
            }
            else
            {
                if (first && transport.Length < UdpHeader.Length)
                {
                    return NatPacketStatus.TinyFragment;
                }
                int udpLength = transport.Length >= UdpHeader.Length ? BinaryPrimitives.ReadUInt16BigEndian(transport[4..]) : 0;
                if (udpLength < UdpHeader.Length || (udpLength > transport.Length && !first))
                {
                    return NatPacketStatus.Malformed;
                }
            }
            kind = NatPacketKind.Udp;
            sourcePort = BinaryPrimitives.ReadUInt16BigEndian(transport);
            destinationPort = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
        }
        else if (protocol == icmpProtocol)
        {
            if (transport.Length < IcmpHeader.Length)
            {
                return first ? NatPacketStatus.TinyFragment : NatPacketStatus.Malformed;
            }
            byte type = transport[0];
            ushort identifier = BinaryPrimitives.ReadUInt16BigEndian(transport[4..]);
            if (type == (version == 4 ? IcmpTypes.V4.EchoRequest : IcmpTypes.V6.EchoRequest))
            {
                kind = NatPacketKind.IcmpEchoRequest;
                sourcePort = identifier;
            }
            else if (type == (version == 4 ? IcmpTypes.V4.EchoReply : IcmpTypes.V6.EchoReply))
            {
                kind = NatPacketKind.IcmpEchoReply;
                destinationPort = identifier;
            }
            else if (version == 4 ? IcmpTypes.V4.IsError(type) : IcmpTypes.V6.IsError(type))
            {
                if (quoted)
                {
                    return NatPacketStatus.Malformed;
                }
                kind = NatPacketKind.IcmpError;
            }
            else
            {
                kind = NatPacketKind.IcmpOther;
            }
        }
        else
        {
            kind = NatPacketKind.Other;
        }
        parsed = new NatPacket(
            FlowTuple.FromAddressBytes(protocol, source, sourcePort, destination, destinationPort),
            kind, transportOffset, length, flags, fragment);
        return NatPacketStatus.Valid;
    }
}
