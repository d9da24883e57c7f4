// The Internet checksum (RFC 1071): full computation over spans, TCP/UDP/ICMPv6 pseudo-header sums
// (RFC 793 / RFC 768 / RFC 8200 8.1), and incremental updates for rewritten fields (RFC 1624).
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using WgSharp.Tun.Offload;

namespace WgSharp.Router.Packets;

/// <summary>
/// One's complement arithmetic on 16-bit big-endian words.
/// </summary>
/// <remarks>
/// A "sum" here is the one's complement sum of the big-endian 16-bit words of the data, folded to
/// 16 bits but not complemented, returned in a <see cref="uint"/>; sums of consecutive pieces chain
/// through the <c>initial</c> argument as long as every piece but the last has an even length. The
/// checksum written into a header is <see cref="Finish(uint)"/> of the sum. All functions take and
/// return field values as numbers (what <see cref="BinaryPrimitives.ReadUInt16BigEndian(ReadOnlySpan{byte})"/>
/// gives), not raw memory.
/// </remarks>
internal static class Checksum
{
    /// <summary>
    /// The folded one's complement sum of <paramref name="data"/> (a trailing odd byte is padded with a
    /// zero on the right, RFC 1071 4.1) added to <paramref name="initial"/>. One implementation serves the
    /// whole program: the vectorized one the TUN offloads use (Wg.Tun cannot reference this project).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Sum(ReadOnlySpan<byte> data, uint initial = 0) => InternetChecksum.Sum(data, initial);

    /// <summary>Folds a wide one's complement accumulator to 16 bits (end-around carries).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Fold(ulong sum) => InternetChecksum.Fold(sum);

    /// <summary>The checksum field value for a sum: its one's complement.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Finish(uint sum) => (ushort)~Fold(sum);

    /// <summary>The checksum of <paramref name="data"/> (IPv4 header, ICMPv4 message), with the checksum field zeroed by the caller.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Sum(data));

    /// <summary>True when <paramref name="data"/>, checksum field included, sums to all ones (RFC 1071 1(3)).</summary>
    public static bool Verify(ReadOnlySpan<byte> data) => Sum(data) == 0xFFFF;

    /// <summary>Sum of the IPv4 pseudo header: source, destination, zero, protocol, upper-layer length (RFC 793 3.1, RFC 768).</summary>
    public static uint PseudoHeaderSumV4(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol, int length)
    {
        if (source.Length != 4 || destination.Length != 4)
        {
            PacketThrowHelper.ThrowAddressLength(source.Length != 4 ? nameof(source) : nameof(destination));
        }
        ulong sum = (ulong)BinaryPrimitives.ReadUInt16BigEndian(source) + BinaryPrimitives.ReadUInt16BigEndian(source[2..])
            + BinaryPrimitives.ReadUInt16BigEndian(destination) + BinaryPrimitives.ReadUInt16BigEndian(destination[2..])
            + protocol + (uint)length;
        return Fold(sum);
    }

    /// <summary>Sum of the IPv6 pseudo header: source, destination, 32-bit upper-layer length, next header (RFC 8200 8.1).</summary>
    public static uint PseudoHeaderSumV6(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte nextHeader, int length)
    {
        if (source.Length != 16 || destination.Length != 16)
        {
            PacketThrowHelper.ThrowAddressLength(source.Length != 16 ? nameof(source) : nameof(destination));
        }
        ulong sum = (ulong)Sum(source) + Sum(destination) + ((uint)length >> 16) + ((uint)length & 0xFFFF) + nextHeader;
        return Fold(sum);
    }

    /// <summary>The TCP/UDP/ICMP checksum over an IPv4 pseudo header plus <paramref name="segment"/> (checksum field zeroed).</summary>
    public static ushort ComputeV4(ReadOnlySpan<byte> segment, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol) =>
        Finish(Sum(segment, PseudoHeaderSumV4(source, destination, protocol, segment.Length)));

    /// <summary>The TCP/UDP/ICMPv6 checksum over an IPv6 pseudo header plus <paramref name="segment"/> (checksum field zeroed).</summary>
    public static ushort ComputeV6(ReadOnlySpan<byte> segment, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte nextHeader) =>
        Finish(Sum(segment, PseudoHeaderSumV6(source, destination, nextHeader, segment.Length)));

    /// <summary>Verifies a TCP/UDP segment's checksum (field included) against the IPv4 pseudo header.</summary>
    public static bool VerifyV4(ReadOnlySpan<byte> segment, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol) =>
        Sum(segment, PseudoHeaderSumV4(source, destination, protocol, segment.Length)) == 0xFFFF;

    /// <summary>Verifies a TCP/UDP/ICMPv6 checksum (field included) against the IPv6 pseudo header.</summary>
    public static bool VerifyV6(ReadOnlySpan<byte> segment, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte nextHeader) =>
        Sum(segment, PseudoHeaderSumV6(source, destination, nextHeader, segment.Length)) == 0xFFFF;

    /// <summary>
    /// RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): the new checksum after a 16-bit word changed from
    /// <paramref name="oldWord"/> to <paramref name="newWord"/>. Use for ports, ICMP identifiers, and
    /// any aligned 16-bit field; the result equals a full recomputation unless the data is all zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Update(ushort checksum, ushort oldWord, ushort newWord) =>
        Finish((uint)(ushort)~checksum + (ushort)~oldWord + newWord);

    /// <summary>RFC 1624 update for an aligned 32-bit field (TCP sequence number, an IPv4 address as a number).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Update32(ushort checksum, uint oldValue, uint newValue) =>
        Finish((uint)(ushort)~checksum
            + (ushort)~(oldValue >> 16) + (ushort)~oldValue
            + (newValue >> 16) + (newValue & 0xFFFF));

    /// <summary>RFC 1624 update for a changed port number (an aligned 16-bit word).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort UpdatePort(ushort checksum, ushort oldPort, ushort newPort) => Update(checksum, oldPort, newPort);

    /// <summary>
    /// RFC 1624 update for a changed address (4 or 16 bytes, equal lengths): covers both the IPv4 header
    /// checksum and the pseudo header of TCP/UDP/ICMPv6 checksums.
    /// </summary>
    public static ushort UpdateAddress(ushort checksum, ReadOnlySpan<byte> oldAddress, ReadOnlySpan<byte> newAddress)
    {
        if (oldAddress.Length != newAddress.Length || (oldAddress.Length != 4 && oldAddress.Length != 16))
        {
            PacketThrowHelper.ThrowAddressLength(nameof(newAddress));
        }
        // ~m summed over the words equals ~(sum of m) in one's complement arithmetic.
        ulong sum = (ushort)~checksum + (ulong)(ushort)~Sum(oldAddress) + Sum(newAddress);
        return Finish(Fold(sum));
    }

    /// <summary>
    /// RFC 1624 update for a 16-bit value stored at <paramref name="offset"/> bytes from the start of the
    /// checksummed data, which may be odd (a TCP option after a single NOP): at an odd offset the value
    /// straddles two words and contributes byte-swapped to the sum (RFC 1071 2(B)).
    /// </summary>
    public static ushort UpdateAt(ushort checksum, int offset, ushort oldValue, ushort newValue)
    {
        if ((offset & 1) != 0)
        {
            oldValue = BinaryPrimitives.ReverseEndianness(oldValue);
            newValue = BinaryPrimitives.ReverseEndianness(newValue);
        }
        return Update(checksum, oldValue, newValue);
    }
}
