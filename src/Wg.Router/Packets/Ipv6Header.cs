// An allocation-free view of an IPv6 packet (RFC 8200 3) over a caller's buffer, with a bounded
// walk of the extension header chain (RFC 8200 4) to find the upper-layer protocol.
using System.Buffers.Binary;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Packets;

/// <summary>
/// A validated IPv6 packet. <see cref="Packet"/> is trimmed to 40 + Payload Length, so trailing bytes
/// a TUN read may carry are excluded. Jumbograms (RFC 2675, Payload Length 0 with a Jumbo option) are
/// not supported: a TUN MTU never comes near 64 KiB, so Payload Length 0 means an empty payload.
/// </summary>
internal readonly ref struct Ipv6Header
{
    public const int Length = 40;

    /// <summary>How many extension headers <see cref="TryFindUpperLayer(ReadOnlySpan{byte}, out Ipv6UpperLayer)"/>
    /// walks before giving up. RFC 8200 4.1's recommended order has at most 7 (Destination Options twice).</summary>
    public const int MaxExtensionHeaders = 8;

    private readonly Span<byte> _packet;

    private Ipv6Header(Span<byte> packet) => _packet = packet;

    /// <summary>Validates version 6 and 40 + Payload Length ≤ buffer length; trims the view. Never throws.</summary>
    public static bool TryParse(Span<byte> buffer, out Ipv6Header header)
    {
        header = default;
        if (buffer.Length < Length || (buffer[0] >> 4) != 6)
        {
            return false;
        }
        int total = Length + BinaryPrimitives.ReadUInt16BigEndian(buffer[4..]);
        if (total > buffer.Length)
        {
            return false;
        }
        header = new Ipv6Header(buffer[..total]);
        return true;
    }

    /// <summary>
    /// For the packet quoted inside an ICMPv6 error (RFC 4443 2.4(c)), which is usually cut short: the
    /// 40-byte header must be present; the view is trimmed to min(40 + Payload Length, buffer).
    /// </summary>
    public static bool TryParseTruncated(Span<byte> buffer, out Ipv6Header header)
    {
        header = default;
        if (buffer.Length < Length || (buffer[0] >> 4) != 6)
        {
            return false;
        }
        int total = Length + BinaryPrimitives.ReadUInt16BigEndian(buffer[4..]);
        header = new Ipv6Header(buffer[..Math.Min(total, buffer.Length)]);
        return true;
    }

    /// <summary>The packet, trimmed to 40 + Payload Length (or to the buffer for a truncated view).</summary>
    public Span<byte> Packet => _packet;

    public bool IsTruncated => Length + PayloadLength > _packet.Length;

    public byte TrafficClass => (byte)(BinaryPrimitives.ReadUInt16BigEndian(_packet) >> 4);

    public int FlowLabel => (int)(BinaryPrimitives.ReadUInt32BigEndian(_packet) & 0xF_FFFF);

    public int PayloadLength => BinaryPrimitives.ReadUInt16BigEndian(_packet[4..]);

    /// <summary>The first Next Header value (an extension header or the upper-layer protocol).</summary>
    public byte NextHeader => _packet[6];

    /// <summary>Hop Limit; no checksum covers it.</summary>
    public byte HopLimit
    {
        get => _packet[7];
        set => _packet[7] = value;
    }

    public Span<byte> Source => _packet.Slice(8, 16);

    public Span<byte> Destination => _packet.Slice(24, 16);

    public IpAddressKey SourceAddress => IpAddressKey.FromV6(Source);

    public IpAddressKey DestinationAddress => IpAddressKey.FromV6(Destination);

    /// <summary>Everything after the fixed header (extension headers included).</summary>
    public Span<byte> Payload => _packet[Length..];

    /// <summary>Walks the extension headers of this packet; see the static overload.</summary>
    public bool TryFindUpperLayer(out Ipv6UpperLayer upperLayer) => TryFindUpperLayer(_packet, out upperLayer);

    /// <summary>Decrements the hop limit; false when it is ≤ 1 (the packet must be dropped, RFC 8200 3).</summary>
    public bool TryDecrementHopLimit()
    {
        if (HopLimit <= 1)
        {
            return false;
        }
        HopLimit--;
        return true;
    }

    /// <summary>
    /// Follows Next Header through Hop-by-Hop Options, Routing, Destination Options (length in 8-octet
    /// units after the first 8, RFC 8200 4.3-4.6), Authentication Header (4-octet units after the first
    /// 8, RFC 4302 2.2) and Fragment (8 octets, RFC 8200 4.5) to the first other protocol, at most
    /// <see cref="MaxExtensionHeaders"/> headers. A Fragment header with a non-zero offset ends the walk:
    /// the headers after it are in the first fragment, so the reported protocol is its Next Header and
    /// <see cref="Ipv6UpperLayer.HasTransportHeader"/> is false. False when a header runs past the
    /// packet, the chain is too long, or <paramref name="packet"/> is not a whole IPv6 header. Never throws.
    /// </summary>
    public static bool TryFindUpperLayer(ReadOnlySpan<byte> packet, out Ipv6UpperLayer upperLayer)
    {
        upperLayer = default;
        if (packet.Length < Length || (packet[0] >> 4) != 6)
        {
            return false;
        }
        // Never walk into bytes past Payload Length (trailing TUN bytes).
        packet = packet[..Math.Min(packet.Length, Length + BinaryPrimitives.ReadUInt16BigEndian(packet[4..]))];
        byte next = packet[6];
        int offset = Length;
        bool hasFragment = false;
        int fragmentOffset = 0;
        bool moreFragments = false;
        uint identification = 0;
        for (int headers = 0; ; headers++)
        {
            int headerLength;
            switch (next)
            {
                case IpProtocol.HopByHopOptions:
                case IpProtocol.Routing:
                case IpProtocol.DestinationOptions:
                    if (offset + 2 > packet.Length)
                    {
                        return false;
                    }
                    headerLength = (packet[offset + 1] + 1) * 8;
                    break;
                case IpProtocol.AuthenticationHeader:
                    if (offset + 2 > packet.Length)
                    {
                        return false;
                    }
                    headerLength = (packet[offset + 1] + 2) * 4;
                    break;
                case IpProtocol.Fragment:
                    headerLength = 8;
                    if (offset + headerLength > packet.Length)
                    {
                        return false;
                    }
                    ushort field = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]);
                    hasFragment = true;
                    fragmentOffset = (field >> 3) * 8;
                    moreFragments = (field & 1) != 0;
                    identification = BinaryPrimitives.ReadUInt32BigEndian(packet[(offset + 4)..]);
                    break;
                default:
                    upperLayer = new Ipv6UpperLayer(next, offset, hasFragment, fragmentOffset, moreFragments, identification);
                    return true;
            }
            if (headers == MaxExtensionHeaders || offset + headerLength > packet.Length)
            {
                return false;
            }
            next = packet[offset];
            offset += headerLength;
            if (fragmentOffset != 0)
            {
                upperLayer = new Ipv6UpperLayer(next, offset, hasFragment, fragmentOffset, moreFragments, identification);
                return true;
            }
        }
    }
}
