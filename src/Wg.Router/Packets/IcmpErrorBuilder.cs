// Builds the ICMPv4 / ICMPv6 error a router returns for a packet it cannot deliver (Destination
// Unreachable, Fragmentation Needed, Packet Too Big) into a caller buffer, with the RFC 1122 /
// RFC 1812 / RFC 4443 rules on when an error must not be sent.
using System.Buffers.Binary;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Packets;

internal static class IcmpErrorBuilder
{
    /// <summary>
    /// Longest ICMPv4 error written: 576 bytes in all (RFC 1812 4.3.2.3 "as much of the original as
    /// possible without the length of the ICMP datagram exceeding 576 bytes"; Linux icmp_send does the same).
    /// </summary>
    public const int MaxLengthV4 = 576;

    /// <summary>Longest ICMPv6 error written: the IPv6 minimum MTU (RFC 4443 2.4(c)).</summary>
    public const int MaxLengthV6 = 1280;

    private const int HeadersV4 = Ipv4Header.MinLength + IcmpHeader.Length;
    private const int HeadersV6 = Ipv6Header.Length + IcmpHeader.Length;
    private const byte DefaultTtl = 64;

    // Precedence "internetwork control" (RFC 791, RFC 1812 4.3.2.5), as Linux marks ICMP errors.
    private const byte TypeOfServiceInternetworkControl = 0xC0;

    /// <summary>
    /// Writes the error for <paramref name="kind"/> in the family of <paramref name="offending"/>, sourced
    /// from <paramref name="source"/> (same family, else <see cref="ArgumentException"/>) and addressed
    /// to the offending packet's source. <paramref name="mtu"/> is used by <see cref="IcmpErrorKind.PacketTooBig"/>
    /// only (16 bits for IPv4). False, with nothing written, when the packet is malformed or must not
    /// be answered (see the version-specific methods).
    /// </summary>
    public static bool TryWrite(
        ReadOnlySpan<byte> offending, IcmpErrorKind kind, IpAddressKey source, int mtu, Span<byte> destination, out int written)
    {
        Span<byte> sourceBytes = stackalloc byte[IpAddressKey.V6Length];
        switch (IpPacket.GetVersion(offending))
        {
            case 4:
                if (!source.IsV4)
                {
                    PacketThrowHelper.ThrowAddressLength(nameof(source));
                }
                if (kind == IcmpErrorKind.PacketTooBig && (uint)mtu > ushort.MaxValue)
                {
                    PacketThrowHelper.ThrowArgument("An ICMPv4 next-hop MTU is 16 bits.", nameof(mtu));
                }
                source.CopyTo(sourceBytes);
                return TryWriteDestinationUnreachableV4(
                    offending,
                    sourceBytes[..IpAddressKey.V4Length],
                    kind switch
                    {
                        IcmpErrorKind.Unreachable => IcmpTypes.V4.CodeHostUnreachable,
                        IcmpErrorKind.AdministrativelyProhibited => IcmpTypes.V4.CodeAdministrativelyProhibited,
                        _ => IcmpTypes.V4.CodeFragmentationNeeded,
                    },
                    kind == IcmpErrorKind.PacketTooBig ? (ushort)mtu : (ushort)0,
                    destination,
                    out written);
            case 6:
                if (!source.IsV6)
                {
                    PacketThrowHelper.ThrowAddressLength(nameof(source));
                }
                source.CopyTo(sourceBytes);
                return kind switch
                {
                    IcmpErrorKind.Unreachable => TryWriteDestinationUnreachableV6(
                        offending, sourceBytes, IcmpTypes.V6.CodeAddressUnreachable, destination, out written),
                    IcmpErrorKind.AdministrativelyProhibited => TryWriteDestinationUnreachableV6(
                        offending, sourceBytes, IcmpTypes.V6.CodeAdministrativelyProhibited, destination, out written),
                    _ => TryWritePacketTooBigV6(offending, sourceBytes, (uint)mtu, destination, out written),
                };
            default:
                written = 0;
                return false;
        }
    }

    /// <summary>
    /// Writes an IPv4 packet carrying ICMP Destination Unreachable (type 3) with <paramref name="code"/>;
    /// for code 4 (fragmentation needed) <paramref name="nextHopMtu"/> goes in bytes 6..7 (RFC 1191 4).
    /// It quotes the offending packet's IP header and as much data as keeps the whole error within
    /// <see cref="MaxLengthV4"/> bytes. Returns false, writing nothing, when <paramref name="offending"/>
    /// is not a valid IPv4 packet or must not be answered (RFC 1122 3.2.2, RFC 1812 4.3.2.7): it is an
    /// ICMP error (or an unknown ICMP type, as Linux treats them) or its ICMP type is not in the packet;
    /// it is a non-first fragment; its destination is multicast or 255.255.255.255; its source is not
    /// one host (0.0.0.0/8, 127.0.0.0/8, multicast, 240.0.0.0/4). <paramref name="destination"/> may
    /// overlap <paramref name="offending"/> (the error can be built in place); it must hold the whole
    /// error, else <see cref="ArgumentException"/>.
    /// </summary>
    public static bool TryWriteDestinationUnreachableV4(
        ReadOnlySpan<byte> offending, ReadOnlySpan<byte> source, byte code, ushort nextHopMtu, Span<byte> destination, out int written)
    {
        if (source.Length != IpAddressKey.V4Length)
        {
            PacketThrowHelper.ThrowAddressLength(nameof(source));
        }
        written = 0;
        if (IpPacket.GetVersion(offending) != 4 || !IpPacket.TryGetLength(offending, out int total) || !IsEligibleV4(offending[..total]))
        {
            return false;
        }
        int quoted = Math.Min(total, MaxLengthV4 - HeadersV4);
        int length = HeadersV4 + quoted;
        if (destination.Length < length)
        {
            PacketThrowHelper.ThrowDestinationTooSmall(nameof(destination), length, destination.Length);
        }
        // Read everything needed from the offending packet before writing: the buffers may overlap.
        uint errorSource = BinaryPrimitives.ReadUInt32BigEndian(source);
        uint errorDestination = BinaryPrimitives.ReadUInt32BigEndian(offending[12..]);
        offending[..quoted].CopyTo(destination[HeadersV4..]);

        Span<byte> ip = destination[..Ipv4Header.MinLength];
        ip[0] = 0x45;
        ip[1] = TypeOfServiceInternetworkControl;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)length);
        // Identification 0 with DF: an atomic datagram (RFC 6864 4.1); 576 bytes never need fragmenting.
        BinaryPrimitives.WriteUInt32BigEndian(ip[4..], 0x0000_4000);
        ip[8] = DefaultTtl;
        ip[9] = IpProtocol.Icmp;
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], errorSource);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], errorDestination);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip));

        Span<byte> icmp = destination[Ipv4Header.MinLength..length];
        icmp[0] = IcmpTypes.V4.DestinationUnreachable;
        icmp[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], code == IcmpTypes.V4.CodeFragmentationNeeded ? nextHopMtu : (ushort)0);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum.Compute(icmp));
        written = length;
        return true;
    }

    /// <summary>
    /// Writes an IPv6 packet carrying ICMPv6 Destination Unreachable (type 1) with <paramref name="code"/>
    /// (RFC 4443 3.1). Quotes as much of the offending packet as keeps the error within
    /// <see cref="MaxLengthV6"/> bytes. Returns false, writing nothing, when <paramref name="offending"/> is not
    /// a valid IPv6 packet or must not be answered (RFC 4443 2.4(e)): it is an ICMPv6 error, or its
    /// ICMPv6 type cannot be found (extension header chain malformed or longer than
    /// <see cref="Ipv6Header.MaxExtensionHeaders"/>); it is a non-first fragment; its destination is
    /// multicast; its source is :: or multicast. Buffers may overlap, as for IPv4.
    /// </summary>
    public static bool TryWriteDestinationUnreachableV6(
        ReadOnlySpan<byte> offending, ReadOnlySpan<byte> source, byte code, Span<byte> destination, out int written) =>
        TryWriteV6(offending, source, IcmpTypes.V6.DestinationUnreachable, code, 0, destination, out written);

    /// <summary>
    /// Writes an ICMPv6 Packet Too Big (type 2, code 0) reporting <paramref name="mtu"/> (RFC 4443 3.2), with
    /// the same rules as <see cref="TryWriteDestinationUnreachableV6"/> except that a multicast destination
    /// is answered: RFC 4443 2.4(e.3) exempts Packet Too Big so path MTU discovery works for multicast.
    /// </summary>
    public static bool TryWritePacketTooBigV6(
        ReadOnlySpan<byte> offending, ReadOnlySpan<byte> source, uint mtu, Span<byte> destination, out int written) =>
        TryWriteV6(offending, source, IcmpTypes.V6.PacketTooBig, 0, mtu, destination, out written);

    private static bool TryWriteV6(
        ReadOnlySpan<byte> offending, ReadOnlySpan<byte> source, byte type, byte code, uint restOfHeader, Span<byte> destination, out int written)
    {
        if (source.Length != IpAddressKey.V6Length)
        {
            PacketThrowHelper.ThrowAddressLength(nameof(source));
        }
        written = 0;
        if (IpPacket.GetVersion(offending) != 6 || !IpPacket.TryGetLength(offending, out int total) ||
            !IsEligibleV6(offending[..total], allowMulticastDestination: type == IcmpTypes.V6.PacketTooBig))
        {
            return false;
        }
        int quoted = Math.Min(total, MaxLengthV6 - HeadersV6);
        int length = HeadersV6 + quoted;
        if (destination.Length < length)
        {
            PacketThrowHelper.ThrowDestinationTooSmall(nameof(destination), length, destination.Length);
        }
        // Copy the addresses out first: the buffers may overlap.
        Span<byte> addresses = stackalloc byte[2 * IpAddressKey.V6Length];
        source.CopyTo(addresses);
        offending.Slice(8, IpAddressKey.V6Length).CopyTo(addresses[IpAddressKey.V6Length..]);
        offending[..quoted].CopyTo(destination[HeadersV6..]);

        Span<byte> ip = destination[..Ipv6Header.Length];
        BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(length - Ipv6Header.Length));
        ip[6] = IpProtocol.IcmpV6;
        ip[7] = DefaultTtl;
        addresses.CopyTo(ip[8..]);

        Span<byte> icmp = destination[Ipv6Header.Length..length];
        icmp[0] = type;
        icmp[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], restOfHeader);
        BinaryPrimitives.WriteUInt16BigEndian(
            icmp[2..],
            Checksum.ComputeV6(icmp, ip.Slice(8, IpAddressKey.V6Length), ip.Slice(24, IpAddressKey.V6Length), IpProtocol.IcmpV6));
        written = length;
        return true;
    }

    /// <summary>RFC 1122 3.2.2 / RFC 1812 4.3.2.7 checks on a length-validated IPv4 packet.</summary>
    private static bool IsEligibleV4(ReadOnlySpan<byte> packet)
    {
        if ((BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x1FFF) != 0)
        {
            return false; // non-first fragment
        }
        IpAddressKey packetDestination = IpAddressKey.FromV4(BinaryPrimitives.ReadUInt32BigEndian(packet[16..]));
        if (packetDestination.IsMulticast || packetDestination.IsV4LimitedBroadcast)
        {
            return false;
        }
        byte firstOctet = packet[12];
        if (firstOctet == 0 || firstOctet == 127 || firstOctet >= 224)
        {
            return false; // 0/8, loopback, multicast, class E and broadcast sources name no single host
        }
        if (packet[9] == IpProtocol.Icmp)
        {
            int headerLength = (packet[0] & 0x0F) * 4;
            if (headerLength >= packet.Length)
            {
                return false; // type not present: cannot rule out an error message
            }
            byte type = packet[headerLength];
            if (type > IcmpTypes.V4.MaxKnownType || IcmpTypes.V4.IsError(type))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>RFC 4443 2.4(e) checks on a length-validated IPv6 packet.</summary>
    private static bool IsEligibleV6(ReadOnlySpan<byte> packet, bool allowMulticastDestination)
    {
        IpAddressKey packetSource = IpAddressKey.FromV6(packet.Slice(8, 16));
        IpAddressKey packetDestination = IpAddressKey.FromV6(packet.Slice(24, 16));
        if (packetSource.IsUnspecified || packetSource.IsMulticast)
        {
            return false;
        }
        if (packetDestination.IsMulticast && !allowMulticastDestination)
        {
            return false;
        }
        if (!Ipv6Header.TryFindUpperLayer(packet, out Ipv6UpperLayer upper) || !upper.HasTransportHeader)
        {
            return false; // unparseable chain (could hide an ICMPv6 error) or non-first fragment
        }
        if (upper.Protocol == IpProtocol.IcmpV6)
        {
            if (upper.Offset >= packet.Length)
            {
                return false;
            }
            if (IcmpTypes.V6.IsError(packet[upper.Offset]))
            {
                return false;
            }
        }
        return true;
    }
}
