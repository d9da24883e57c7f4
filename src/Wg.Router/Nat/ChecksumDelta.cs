// An accumulator of 16-bit word changes for one Internet checksum, applied at the end in one RFC 1624
// step: lets a rewrite touching several fields (and the checksums nested inside an ICMP error) keep
// every enclosing checksum right without a second pass over the data.
using System.Runtime.CompilerServices;
using WgSharp.Router.Packets;

namespace WgSharp.Router.Nat;

/// <summary>
/// Sum of <c>~m + m'</c> over changed words (RFC 1624 eqn. 3), for words at even offsets from the
/// start of the checksummed data, which every field NAT touches is (IP headers are multiples of 4 or
/// 8 bytes and an ICMP error quotes from offset 8).
/// </summary>
internal struct ChecksumDelta
{
    private ulong _sum;

    /// <summary>True when the recorded changes leave every checksum as it is (nothing recorded, or only 0xFFFF → 0, both zero in one's complement).</summary>
    public readonly bool IsEmpty => _sum == 0;

    /// <summary>
    /// Records a changed word; also a changed multi-word field (an address) given the folded sums of its
    /// old and new words, since ~Σm equals Σ~m in one's complement arithmetic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ushort oldWord, ushort newWord) => _sum += (uint)(ushort)~oldWord + newWord;

    /// <summary>Merges another delta's changes into this one.</summary>
    public void Add(in ChecksumDelta other) => _sum += other._sum;

    /// <summary>The checksum after the recorded changes: ~(~HC + Σ(~m + m')).</summary>
    public readonly ushort Apply(ushort checksum) => Checksum.Finish(Checksum.Fold((ushort)~checksum + _sum));
}
