// Thread-safe counters of dropped packets by reason, kept per peer and per device.
namespace WgSharp.Noise;

public sealed class DropCounters
{
    private readonly long[] _counts = new long[Enum.GetValues<DropReason>().Length];

    public void Increment(DropReason reason) => Interlocked.Increment(ref _counts[(int)reason]);

    public long this[DropReason reason] => Volatile.Read(ref _counts[(int)reason]);

    public long Total
    {
        get
        {
            long total = 0;
            for (int i = 1; i < _counts.Length; i++)
            {
                total += Volatile.Read(ref _counts[i]);
            }

            return total;
        }
    }

    /// <summary>The non-zero counters, for `wgsharp show` and logs.</summary>
    public IEnumerable<KeyValuePair<DropReason, long>> NonZero()
    {
        for (int i = 1; i < _counts.Length; i++)
        {
            long value = Volatile.Read(ref _counts[i]);
            if (value != 0)
            {
                yield return new KeyValuePair<DropReason, long>((DropReason)i, value);
            }
        }
    }
}
