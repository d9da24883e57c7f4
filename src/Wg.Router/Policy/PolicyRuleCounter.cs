// The hit counter of one rule: packets and bytes, striped by processor so threads on different cores
// do not fight over one cache line for every packet.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace WgSharp.Router.Policy;

/// <summary>
/// Counts matches from any number of threads; reads sum the stripes. Shared between the tables a rule
/// is carried through (see <see cref="PolicyTable{TPeer}.Build"/>), so packets still evaluated against an
/// old table after a swap are counted too.
/// </summary>
internal sealed class PolicyRuleCounter
{
    // One 64-byte line per stripe: [packets, bytes, 6 × padding], after one leading line of padding so
    // no stripe shares a line with the array header or the object before it.
    private const int LongsPerStripe = 8;

    // A power of two ≥ the processor count (at most 16): Thread.GetCurrentProcessorId() & mask picks a
    // stripe. Two threads on one stripe (ids above the count, migration) stay correct: updates are atomic.
    private static readonly int StripeMask =
        (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 16)) - 1;

    private readonly long[] _cells = new long[(StripeMask + 2) * LongsPerStripe];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int bytes)
    {
        int stripe = (Thread.GetCurrentProcessorId() & StripeMask) + 1;
        ref long packets = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_cells), stripe * LongsPerStripe);
        Interlocked.Increment(ref packets);
        Interlocked.Add(ref Unsafe.Add(ref packets, 1), bytes);
    }

    /// <summary>The totals so far (each stripe read atomically; the sum is not one instant's, as for any live counter).</summary>
    public PolicyRuleCounts Read()
    {
        long packets = 0;
        long bytes = 0;
        for (int stripe = 1; stripe <= StripeMask + 1; stripe++)
        {
            packets += Interlocked.Read(ref _cells[stripe * LongsPerStripe]);
            bytes += Interlocked.Read(ref _cells[(stripe * LongsPerStripe) + 1]);
        }
        return new PolicyRuleCounts(packets, bytes);
    }
}
