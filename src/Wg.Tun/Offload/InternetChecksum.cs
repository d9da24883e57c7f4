// The Internet checksum (RFC 1071) as the offload code needs it: sums over spans, TCP/UDP pseudo-header sums for
// IPv4 (RFC 793 3.1, RFC 768) and IPv6 (RFC 8200 8.1). Wg.Tun cannot see Wg.Router's Checksum, hence its own.
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace WgSharp.Tun.Offload;

/// <summary>
/// A "sum" is the one's complement sum of the big-endian 16-bit words, folded to 16 bits and not complemented;
/// sums of consecutive pieces chain through <c>initial</c> while every piece but the last has an even length.
/// A checksum field holds the complement of the sum (<see cref="Finish"/>); data including a correct checksum
/// field sums to 0xFFFF.
/// </summary>
internal static class InternetChecksum
{
    /// <summary>The folded sum of <paramref name="data"/> (an odd last byte padded with zero, RFC 1071 4.1) plus <paramref name="initial"/>.</summary>
    /// <remarks>
    /// Adds 8 bytes at a time in machine order, as two 32-bit halves into 64-bit accumulators that cannot
    /// overflow for any span length; one's complement addition commutes with byte swapping (RFC 1071 2(B)), so
    /// the machine-order result is swapped once at the end on little-endian hosts.
    /// </remarks>
    public static uint Sum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint i = 0;
        ulong a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (; i + 32 <= length; i += 32)
        {
            ulong w = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i));
            ulong x = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 8));
            ulong y = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 16));
            ulong z = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 24));
            a0 += (w & 0xFFFF_FFFF) + (w >> 32);
            a1 += (x & 0xFFFF_FFFF) + (x >> 32);
            a2 += (y & 0xFFFF_FFFF) + (y >> 32);
            a3 += (z & 0xFFFF_FFFF) + (z >> 32);
        }
        for (; i + 8 <= length; i += 8)
        {
            ulong w = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i));
            a0 += (w & 0xFFFF_FFFF) + (w >> 32);
        }
        if (i + 4 <= length)
        {
            a1 += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
            i += 4;
        }
        if (i + 2 <= length)
        {
            a2 += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i));
            i += 2;
        }
        if (i < length)
        {
            // The odd byte is the high byte of a zero-padded big-endian word: the low byte in little-endian order.
            uint odd = Unsafe.Add(ref start, i);
            a3 += BitConverter.IsLittleEndian ? odd : odd << 8;
        }
        uint folded = Fold(Fold(a0) + (ulong)Fold(a1) + Fold(a2) + Fold(a3));
        if (BitConverter.IsLittleEndian)
        {
            folded = BinaryPrimitives.ReverseEndianness((ushort)folded);
        }
        return Fold((ulong)folded + initial);
    }

    /// <summary>Folds a wide one's complement accumulator to 16 bits (end-around carries).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Fold(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (uint)sum;
    }

    /// <summary>The value of a checksum field for a sum: its complement.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Finish(uint sum) => (ushort)~Fold(sum);

    /// <summary>
    /// The pseudo-header sum of an IPv4 or IPv6 packet for an upper-layer segment of <paramref name="length"/> bytes:
    /// addresses taken from the packet's header (IPv4 bytes 12..20, IPv6 bytes 8..40), then protocol and length.
    /// </summary>
    public static uint PseudoHeaderSum(ReadOnlySpan<byte> ipPacket, bool isIPv6, byte protocol, int length)
    {
        ReadOnlySpan<byte> addresses = isIPv6 ? ipPacket.Slice(8, 32) : ipPacket.Slice(12, 8);
        return Fold((ulong)Sum(addresses) + protocol + ((uint)length >> 16) + ((uint)length & 0xFFFF));
    }
}
