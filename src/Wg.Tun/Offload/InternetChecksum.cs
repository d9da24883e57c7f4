// The Internet checksum (RFC 1071) as the offload code needs it: sums over spans, TCP/UDP pseudo-header sums for
// IPv4 (RFC 793 3.1, RFC 768) and IPv6 (RFC 8200 8.1). Wg.Router's Checksum builds on this one (Wg.Tun sits below it).
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace WgSharp.Tun.Offload;

/// <summary>
/// A "sum" is the one's complement sum of the big-endian 16-bit words, folded to 16 bits and not complemented;
/// sums of consecutive pieces chain through <c>initial</c> while every piece but the last has an even length.
/// A checksum field holds the complement of the sum (<see cref="Finish"/>); data including a correct checksum
/// field sums to 0xFFFF.
/// </summary>
public static class InternetChecksum
{
    /// <summary>The folded sum of <paramref name="data"/> (an odd last byte padded with zero, RFC 1071 4.1) plus <paramref name="initial"/>.</summary>
    /// <remarks>
    /// Adds the 16-bit words in machine order and swaps the folded result once at the end on little-endian hosts:
    /// one's complement addition commutes with byte swapping (RFC 1071 2(B)). With AVX2 (or any 256-bit vectors)
    /// 64 bytes go per step into 32-bit lanes, low and high words apart, flushed into a 64-bit total every 32 KiB
    /// so no lane can overflow; the rest 8 bytes at a time as two 32-bit halves into a 64-bit accumulator.
    /// </remarks>
    public static uint Sum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint i = 0;
        ulong total = 0;
        if (Vector256.IsHardwareAccelerated && length >= 64)
        {
            Vector256<uint> words = Vector256.Create(0xFFFFu);
            while (i + 64 <= length)
            {
                // At most 512 steps per block: each lane grows by under 2^17 per step, far from 2^32.
                nuint blockEnd = Math.Min(length, i + 512 * 64);
                Vector256<uint> low = Vector256<uint>.Zero;
                Vector256<uint> high = Vector256<uint>.Zero;
                for (; i + 64 <= blockEnd; i += 64)
                {
                    Vector256<uint> x = Vector256.LoadUnsafe(ref Unsafe.Add(ref start, i)).AsUInt32();
                    Vector256<uint> y = Vector256.LoadUnsafe(ref Unsafe.Add(ref start, i + 32)).AsUInt32();
                    low += (x & words) + (y & words);
                    high += Vector256.ShiftRightLogical(x, 16) + Vector256.ShiftRightLogical(y, 16);
                }
                total += Vector256.Sum(Vector256.WidenLower(low) + Vector256.WidenUpper(low)
                    + Vector256.WidenLower(high) + Vector256.WidenUpper(high));
            }
        }
        for (; i + 8 <= length; i += 8)
        {
            ulong w = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i));
            total += (w & 0xFFFF_FFFF) + (w >> 32);
        }
        if (i + 4 <= length)
        {
            total += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
            i += 4;
        }
        if (i + 2 <= length)
        {
            total += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i));
            i += 2;
        }
        if (i < length)
        {
            // The odd byte is the high byte of a zero-padded big-endian word: the low byte in little-endian order.
            uint odd = Unsafe.Add(ref start, i);
            total += BitConverter.IsLittleEndian ? odd : odd << 8;
        }
        uint folded = Fold(total);
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
