// What the rule stage (and later conntrack and NAT) needs to know about one IP packet, parsed once:
// family, addresses, protocol, ports or ICMP type/id, TCP flags, fragment state, header offsets.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Policy;

/// <summary>
/// A parsed summary of an IP packet. A plain <c>readonly struct</c> (not a <c>ref struct</c>): it holds
/// no span, only values and offsets into the packet, so conntrack can copy it or derive its flow key from
/// it, and it can be passed by <c>in</c> without copying. <c>default</c> describes no packet.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal readonly struct PacketSummary
{
    private const byte FlagHasTransportHeader = 1;
    private const byte FlagHasPorts = 2;
    private const byte FlagIsFragment = 4;

    private readonly byte _flags;

    private PacketSummary(
        IpAddressKey source, IpAddressKey destination, int length, byte protocol, int transportOffset, int fragmentOffset, byte flags,
        ushort sourcePort, ushort destinationPort, TcpFlags tcpFlags, byte icmpType, byte icmpCode, ushort icmpIdentifier)
    {
        Source = source;
        Destination = destination;
        Length = length;
        Protocol = protocol;
        TransportOffset = transportOffset;
        FragmentOffset = fragmentOffset;
        _flags = flags;
        SourcePort = sourcePort;
        DestinationPort = destinationPort;
        TcpFlags = tcpFlags;
        IcmpType = icmpType;
        IcmpCode = icmpCode;
        IcmpIdentifier = icmpIdentifier;
    }

    public IpFamily Family => Source.Family;

    public IpAddressKey Source { get; }

    public IpAddressKey Destination { get; }

    /// <summary>The packet's real length (IPv4 Total Length, 40 + IPv6 Payload Length); bytes after it are not part of it.</summary>
    public int Length { get; }

    /// <summary>
    /// IPv4 Protocol, or the IPv6 upper-layer protocol after the extension headers. For an IPv6 non-first
    /// fragment it is the Fragment header's Next Header (the first header of the fragmentable part).
    /// </summary>
    public byte Protocol { get; }

    /// <summary>Offset of the transport header from the packet start (after IPv4 options / IPv6 extension headers).</summary>
    public int TransportOffset { get; }

    /// <summary>Fragment offset in bytes; 0 for unfragmented packets and first fragments.</summary>
    public int FragmentOffset { get; }

    /// <summary>
    /// True when the transport header is in this packet and was read: TCP (the whole header, options
    /// included), UDP/UDP-Lite, SCTP, DCCP (ports), ICMP of the packet's family (type, code, identifier).
    /// False for other protocols and for non-first fragments.
    /// </summary>
    public bool HasTransportHeader => (_flags & FlagHasTransportHeader) != 0;

    /// <summary>True when <see cref="SourcePort"/> and <see cref="DestinationPort"/> are known (a protocol with ports, not a non-first fragment).</summary>
    public bool HasPorts => (_flags & FlagHasPorts) != 0;

    /// <summary>Any fragment: IPv4 MF or a non-zero offset; IPv6 a Fragment header with M or an offset (an atomic fragment is not one).</summary>
    public bool IsFragment => (_flags & FlagIsFragment) != 0;

    /// <summary>The fragment that carries the transport header.</summary>
    public bool IsFirstFragment => IsFragment && FragmentOffset == 0;

    /// <summary>A fragment without the transport header: ports and ICMP fields are unknown.</summary>
    public bool IsNonFirstFragment => FragmentOffset != 0;

    public ushort SourcePort { get; }

    public ushort DestinationPort { get; }

    /// <summary>TCP control bits; <see cref="TcpFlags.None"/> for anything but a TCP header.</summary>
    public TcpFlags TcpFlags { get; }

    /// <summary>True for ICMP in an IPv4 packet and ICMPv6 in an IPv6 packet with its header present.</summary>
    public bool IsIcmp => HasTransportHeader && Protocol == (Family == IpFamily.V4 ? IpProtocol.Icmp : IpProtocol.IcmpV6);

    public byte IcmpType { get; }

    public byte IcmpCode { get; }

    /// <summary>The echo identifier (RFC 792, RFC 4443 4.1) of an echo request or reply; 0 for other messages.</summary>
    public ushort IcmpIdentifier { get; }

    /// <summary>
    /// Parses <paramref name="packet"/> (as read from TUN or decrypted; trailing bytes past the IP length
    /// are ignored). False, for a counted drop, when the IP header is invalid, the IPv6 extension header
    /// chain is malformed or too long, or the transport header the packet must carry is cut short: an
    /// unfragmented packet or first fragment of TCP without its whole header (RFC 1858 3.1 / RFC 7112: a
    /// first fragment too short for the header could hide ports and flags from the rules), of a ports
    /// protocol without its ports, or ICMP without its 8-byte header; and an IPv4 TCP fragment at offset 8
    /// (RFC 1858 3.2, overlapping the TCP flags). Never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out PacketSummary summary)
    {
        summary = default;
        if (!IpPacket.TryGetLength(packet, out int length))
        {
            return false;
        }
        packet = packet[..length];
        IpAddressKey source;
        IpAddressKey destination;
        byte protocol;
        int transportOffset;
        int fragmentOffset;
        byte flags = 0;
        bool isV4 = packet[0] >> 4 == 4;
        if (isV4)
        {
            source = IpAddressKey.FromV4(BinaryPrimitives.ReadUInt32BigEndian(packet[12..]));
            destination = IpAddressKey.FromV4(BinaryPrimitives.ReadUInt32BigEndian(packet[16..]));
            protocol = packet[9];
            transportOffset = (packet[0] & 0x0F) * 4;
            ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
            fragmentOffset = (fragment & 0x1FFF) * 8;
            if ((fragment & 0x3FFF) != 0)
            {
                flags |= FlagIsFragment;
            }
            if (fragmentOffset == 8 && protocol == IpProtocol.Tcp)
            {
                return false;
            }
        }
        else
        {
            if (!Ipv6Header.TryFindUpperLayer(packet, out Ipv6UpperLayer upper))
            {
                return false;
            }
            source = IpAddressKey.FromV6(packet.Slice(8, IpAddressKey.V6Length));
            destination = IpAddressKey.FromV6(packet.Slice(24, IpAddressKey.V6Length));
            protocol = upper.Protocol;
            transportOffset = upper.Offset;
            fragmentOffset = upper.FragmentOffset;
            if (upper.IsFragment)
            {
                flags |= FlagIsFragment;
            }
        }

        ushort sourcePort = 0;
        ushort destinationPort = 0;
        TcpFlags tcpFlags = TcpFlags.None;
        byte icmpType = 0;
        byte icmpCode = 0;
        ushort icmpIdentifier = 0;
        if (fragmentOffset == 0)
        {
            ReadOnlySpan<byte> transport = packet[transportOffset..];
            switch (protocol)
            {
                case IpProtocol.Tcp:
                    if (transport.Length < TcpHeader.MinLength)
                    {
                        return false;
                    }
                    int headerLength = (transport[12] >> 4) * 4;
                    if (headerLength < TcpHeader.MinLength || headerLength > transport.Length)
                    {
                        return false;
                    }
                    tcpFlags = (TcpFlags)transport[13];
                    goto case IpProtocol.Udp;
                case IpProtocol.Udp:
                case ProtocolUdpLite:
                case ProtocolSctp:
                case ProtocolDccp:
                    if (transport.Length < MinimumPortsHeader(protocol))
                    {
                        return false;
                    }
                    sourcePort = BinaryPrimitives.ReadUInt16BigEndian(transport);
                    destinationPort = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
                    flags |= FlagHasTransportHeader | FlagHasPorts;
                    break;
                case IpProtocol.Icmp when isV4:
                case IpProtocol.IcmpV6 when !isV4:
                    if (transport.Length < IcmpHeader.Length)
                    {
                        return false;
                    }
                    icmpType = transport[0];
                    icmpCode = transport[1];
                    if (isV4 ? icmpType is IcmpTypes.V4.EchoRequest or IcmpTypes.V4.EchoReply
                             : icmpType is IcmpTypes.V6.EchoRequest or IcmpTypes.V6.EchoReply)
                    {
                        icmpIdentifier = BinaryPrimitives.ReadUInt16BigEndian(transport[4..]);
                    }
                    flags |= FlagHasTransportHeader;
                    break;
            }
        }

        summary = new PacketSummary(
            source, destination, length, protocol, transportOffset, fragmentOffset, flags,
            sourcePort, destinationPort, tcpFlags, icmpType, icmpCode, icmpIdentifier);
        return true;
    }

    /// <summary>Protocols whose header starts with 16-bit source and destination ports (as the [Rule] Port key requires).</summary>
    public static bool HasPortsProtocol(byte protocol) =>
        protocol is IpProtocol.Tcp or IpProtocol.Udp or ProtocolUdpLite or ProtocolSctp or ProtocolDccp;

    // UDP-Lite (RFC 3828), SCTP (RFC 9260), DCCP (RFC 4340): not in Packets.IpProtocol, which lists what the router rewrites.
    internal const byte ProtocolDccp = 33;
    internal const byte ProtocolSctp = 132;
    internal const byte ProtocolUdpLite = 136;

    // Smallest header that holds each protocol's ports: TCP and UDP-Lite/UDP 8 (TCP is checked in full above),
    // SCTP common header 12 (RFC 9260 3.1), DCCP generic header with short sequence numbers 12 (RFC 4340 5.1).
    private static int MinimumPortsHeader(byte protocol) => protocol is ProtocolSctp or ProtocolDccp ? 12 : 8;
}
