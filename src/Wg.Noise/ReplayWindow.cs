// Sliding anti-replay window for transport-data counters: the RFC 6479 ring of 64-bit bitmap blocks, used in the
// order whitepaper §5.4.6 requires (cheap check before decrypting, mark seen only after the tag verified).
namespace WgSharp.Noise;

/// <summary>
/// Remembers which of the last <see cref="WindowSize"/> counters below the highest one have been received.
/// The bitmap is a ring of <c>ulong</c> blocks indexed by <c>counter &gt;&gt; 6</c> (RFC 6479 §2): moving the window
/// forward only zeroes the blocks it enters, so advancing costs at most one pass over the ring however far the
/// counter jumps. The ring holds 8192 bits like wireguard-go's and the kernel's; one block is always the partly
/// filled current one, so the usable window is 8192 - 64 = 8128 counters (well above the 2048 the whitepaper asks).
/// <para>
/// Threading: the data plane may decrypt one session's packets on several threads. <see cref="TryMarkSeen"/> runs
/// under a small lock, so each counter is accepted exactly once. <see cref="IsAcceptable"/> takes no lock: it reads
/// the highest counter (acquire) and then one block, and its answer may already be outdated by a concurrent mark,
/// which is harmless because it only decides whether decrypting is worth it and <see cref="TryMarkSeen"/> checks again.
/// </para>
/// </summary>
internal sealed class ReplayWindow
{
    /// <summary>Counters at or above REJECT_AFTER_MESSAGES are never accepted (whitepaper §5.4.6).</summary>
    public const ulong RejectAfterMessages = WireGuardConstants.RejectAfterMessages;

    /// <summary>Bits in the ring: 128 blocks of 64.</summary>
    public const int RingBits = RingBlocks * BlockBits;

    /// <summary>
    /// How far below the highest counter seen a counter may be and still be accepted (once):
    /// <c>highest - counter &lt;= WindowSize</c>.
    /// </summary>
    public const ulong WindowSize = RingBits - BlockBits;

    private const int BlockBitsLog = 6;
    private const int BlockBits = 1 << BlockBitsLog;
    private const int RingBlocks = 128;
    private const ulong RingMask = RingBlocks - 1;

    private readonly Lock _lock = new();

    // Written only under _lock; IsAcceptable reads them without it through Volatile.Read.
    private readonly ulong[] _blocks = new ulong[RingBlocks];
    private ulong _highest;

    /// <summary>
    /// Read-only pre-check before decrypting: false if <paramref name="counter"/> is at or above
    /// <see cref="RejectAfterMessages"/>, more than <see cref="WindowSize"/> below the highest counter seen, or
    /// already marked. Safe to call concurrently with everything else.
    /// </summary>
    public bool IsAcceptable(ulong counter)
    {
        if (counter >= RejectAfterMessages)
        {
            return false;
        }

        // Acquire: the blocks TryMarkSeen zeroed before publishing this highest counter are seen zeroed below.
        var highest = Volatile.Read(ref _highest);
        if (counter > highest)
        {
            return true;
        }

        if (highest - counter > WindowSize)
        {
            return false;
        }

        var block = Volatile.Read(ref _blocks[(int)((counter >> BlockBitsLog) & RingMask)]);
        return (block & BitOf(counter)) == 0;
    }

    /// <summary>
    /// Marks <paramref name="counter"/> as received, after its packet authenticated. Returns false, changing
    /// nothing, if it is not acceptable (see <see cref="IsAcceptable"/>), for instance because another thread
    /// marked the same counter since the pre-check. Atomic with respect to other calls.
    /// </summary>
    public bool TryMarkSeen(ulong counter)
    {
        if (counter >= RejectAfterMessages)
        {
            return false;
        }

        var blockIndex = counter >> BlockBitsLog;
        lock (_lock)
        {
            var highest = _highest;
            if (counter > highest)
            {
                // Zero the blocks the window moves into (RFC 6479 §2); a jump of a whole ring or more zeroes all.
                var current = highest >> BlockBitsLog;
                var advance = Math.Min(blockIndex - current, RingBlocks);
                for (ulong i = 1; i <= advance; i++)
                {
                    Volatile.Write(ref _blocks[(int)((current + i) & RingMask)], 0);
                }

                // Release: publishes the zeroed blocks together with the new highest counter.
                Volatile.Write(ref _highest, counter);
            }
            else if (highest - counter > WindowSize)
            {
                return false;
            }

            ref var block = ref _blocks[(int)(blockIndex & RingMask)];
            var bit = BitOf(counter);
            if ((block & bit) != 0)
            {
                return false;
            }

            Volatile.Write(ref block, block | bit);
            return true;
        }
    }

    /// <summary>Forgets every counter, as for a fresh session.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            Array.Clear(_blocks);
            Volatile.Write(ref _highest, 0);
        }
    }

    private static ulong BitOf(ulong counter) => 1UL << (int)(counter & (BlockBits - 1));
}
