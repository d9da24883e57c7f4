// An allocation-free view of a UDP datagram (RFC 768) with checksum rules for IPv4 (zero = none)
// and IPv6 (RFC 8200 8.1: mandatory), and checksum-preserving rewrites for NAT.
using System.Buffers.Binary;

namespace WgSharp.Router.Packets;

internal readonly ref struct UdpHeader
{
    public const int Length = 8;

    private readonly Span<byte> _datagram;

    private UdpHeader(Span<byte> datagram) => _datagram = datagram;

    /// <summary>
    /// Validates 8 ≤ Length field ≤ buffer and trims the view to the Length field. <paramref name="datagram"/>
    /// is the IP payload. Never throws.
    /// </summary>
    public static bool TryParse(Span<byte> datagram, out UdpHeader header)
    {
        header = default;
        if (datagram.Length < Length)
        {
            return false;
        }
        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[4..]);
        if (length < Length || length > datagram.Length)
        {
            return false;
        }
        header = new UdpHeader(datagram[..length]);
        return true;
    }

    /// <summary>Header and payload, trimmed to the Length field (what the checksum covers).</summary>
    public Span<byte> Datagram => _datagram;

    public ushort SourcePort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_datagram);
        set => BinaryPrimitives.WriteUInt16BigEndian(_datagram, value);
    }

    public ushort DestinationPort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_datagram[2..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_datagram[2..], value);
    }

    /// <summary>The Length field: header plus payload.</summary>
    public int DatagramLength => BinaryPrimitives.ReadUInt16BigEndian(_datagram[4..]);

    /// <summary>0 means "no checksum" over IPv4 (RFC 768).</summary>
    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_datagram[6..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_datagram[6..], value);
    }

    public Span<byte> Payload => _datagram[Length..];

    /// <summary>Sets the source port; updates the checksum incrementally unless it is absent (0).</summary>
    public void RewriteSourcePort(ushort port)
    {
        AdjustChecksum(SourcePort, port);
        SourcePort = port;
    }

    /// <summary>Sets the destination port; updates the checksum incrementally unless it is absent (0).</summary>
    public void RewriteDestinationPort(ushort port)
    {
        AdjustChecksum(DestinationPort, port);
        DestinationPort = port;
    }

    /// <summary>Adjusts the checksum for an address rewritten in the pseudo header (4 or 16 bytes); an absent (0) checksum stays absent.</summary>
    public void UpdateChecksumForAddressChange(ReadOnlySpan<byte> oldAddress, ReadOnlySpan<byte> newAddress)
    {
        ushort checksum = Checksum;
        if (checksum != 0)
        {
            Checksum = NonZero(Packets.Checksum.UpdateAddress(checksum, oldAddress, newAddress));
        }
    }

    /// <summary>Recomputes the checksum over the IPv4 pseudo header; a computed 0 is sent as 0xFFFF (RFC 768).</summary>
    public void UpdateChecksumV4(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination)
    {
        Checksum = 0;
        Checksum = NonZero(Packets.Checksum.ComputeV4(_datagram, source, destination, IpProtocol.Udp));
    }

    /// <summary>Recomputes the checksum over the IPv6 pseudo header; a computed 0 is sent as 0xFFFF (RFC 8200 8.1).</summary>
    public void UpdateChecksumV6(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination)
    {
        Checksum = 0;
        Checksum = NonZero(Packets.Checksum.ComputeV6(_datagram, source, destination, IpProtocol.Udp));
    }

    /// <summary>True when the checksum verifies or is absent (0), which IPv4 allows.</summary>
    public bool IsChecksumValidV4(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination) =>
        Checksum == 0 || Packets.Checksum.VerifyV4(_datagram, source, destination, IpProtocol.Udp);

    /// <summary>True when the checksum verifies; over IPv6 a zero checksum is invalid (RFC 8200 8.1).</summary>
    public bool IsChecksumValidV6(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination) =>
        Checksum != 0 && Packets.Checksum.VerifyV6(_datagram, source, destination, IpProtocol.Udp);

    private void AdjustChecksum(ushort oldWord, ushort newWord)
    {
        ushort checksum = Checksum;
        if (checksum != 0)
        {
            Checksum = NonZero(Packets.Checksum.Update(checksum, oldWord, newWord));
        }
    }

    private static ushort NonZero(ushort checksum) => checksum == 0 ? (ushort)0xFFFF : checksum;
}
