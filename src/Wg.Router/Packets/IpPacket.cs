// Version-independent helpers over a raw IP packet as TUN delivers it: version dispatch, length
// sanity (a read may carry trailing bytes), addresses for routing, and the transport header's place.
using System.Buffers.Binary;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Packets;

internal static class IpPacket
{
    /// <summary>The version nibble: 4, 6, or whatever else the first byte says (0 for an empty buffer).</summary>
    public static int GetVersion(ReadOnlySpan<byte> packet) => packet.IsEmpty ? 0 : packet[0] >> 4;

    /// <summary>
    /// The packet's real length: IPv4 Total Length (with 20 ≤ IHL·4 ≤ Total Length) or 40 + IPv6 Payload
    /// Length, which must fit in <paramref name="buffer"/>; bytes beyond it are to be ignored. False for
    /// anything else (unknown version, truncated header, lengths that do not add up). Never throws.
    /// </summary>
    public static bool TryGetLength(ReadOnlySpan<byte> buffer, out int length)
    {
        length = 0;
        switch (GetVersion(buffer))
        {
            case 4:
                if (buffer.Length < Ipv4Header.MinLength)
                {
                    return false;
                }
                int headerLength = (buffer[0] & 0x0F) * 4;
                int total = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
                if (headerLength < Ipv4Header.MinLength || total < headerLength || total > buffer.Length)
                {
                    return false;
                }
                length = total;
                return true;
            case 6:
                if (buffer.Length < Ipv6Header.Length)
                {
                    return false;
                }
                int total6 = Ipv6Header.Length + BinaryPrimitives.ReadUInt16BigEndian(buffer[4..]);
                if (total6 > buffer.Length)
                {
                    return false;
                }
                length = total6;
                return true;
            default:
                return false;
        }
    }

    /// <summary>The source address bytes (4 or 16) of a valid packet, in place: what cryptokey routing checks after decryption.</summary>
    public static bool TryGetSourceAddress(ReadOnlySpan<byte> packet, out ReadOnlySpan<byte> source)
    {
        if (!TryGetLength(packet, out _))
        {
            source = default;
            return false;
        }
        source = packet[0] >> 4 == 4 ? packet.Slice(12, 4) : packet.Slice(8, 16);
        return true;
    }

    /// <summary>The destination address bytes (4 or 16) of a valid packet, in place: the key for the AllowedIPs lookup on send.</summary>
    public static bool TryGetDestinationAddress(ReadOnlySpan<byte> packet, out ReadOnlySpan<byte> destination)
    {
        if (!TryGetLength(packet, out _))
        {
            destination = default;
            return false;
        }
        destination = packet[0] >> 4 == 4 ? packet.Slice(16, 4) : packet.Slice(24, 16);
        return true;
    }

    /// <summary>Source and destination of a valid packet as address keys (family from the version).</summary>
    public static bool TryGetAddresses(ReadOnlySpan<byte> packet, out IpAddressKey source, out IpAddressKey destination)
    {
        if (!TryGetLength(packet, out _))
        {
            source = default;
            destination = default;
            return false;
        }
        if (packet[0] >> 4 == 4)
        {
            source = IpAddressKey.FromV4(BinaryPrimitives.ReadUInt32BigEndian(packet[12..]));
            destination = IpAddressKey.FromV4(BinaryPrimitives.ReadUInt32BigEndian(packet[16..]));
        }
        else
        {
            source = IpAddressKey.FromV6(packet.Slice(8, 16));
            destination = IpAddressKey.FromV6(packet.Slice(24, 16));
        }
        return true;
    }

    /// <summary>
    /// Where the transport (upper-layer) header starts: the protocol and its offset from the packet
    /// start, after IPv4 options or IPv6 extension headers. False for a malformed packet and for a
    /// non-first fragment, which carries no transport header (its ports are unknown). The transport
    /// bytes are <c>packet[offset..length]</c> with the length from <see cref="TryGetLength"/>.
    /// </summary>
    public static bool TryGetTransport(ReadOnlySpan<byte> packet, out byte protocol, out int offset)
    {
        protocol = 0;
        offset = 0;
        if (!TryGetLength(packet, out int length))
        {
            return false;
        }
        if (packet[0] >> 4 == 4)
        {
            if ((BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x1FFF) != 0)
            {
                return false;
            }
            protocol = packet[9];
            offset = (packet[0] & 0x0F) * 4;
            return true;
        }
        if (!Ipv6Header.TryFindUpperLayer(packet[..length], out Ipv6UpperLayer upper) || !upper.HasTransportHeader)
        {
            return false;
        }
        protocol = upper.Protocol;
        offset = upper.Offset;
        return true;
    }
}
