// Thread-safe per-reason drop counters of the NAT stage (only drops are counted: a per-packet success
// counter shared by all workers would bounce its cache line between cores).
namespace WgSharp.Router.Nat;

internal sealed class NatCounters
{
    private readonly long[] _drops = new long[Enum.GetValues<NatDrop>().Length];

    public void Drop(NatDrop reason) => Interlocked.Increment(ref _drops[(int)reason]);

    public void Drop(NatDrop reason, int count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _drops[(int)reason], count);
        }
    }

    public long this[NatDrop reason] => Volatile.Read(ref _drops[(int)reason]);

    public IEnumerable<KeyValuePair<NatDrop, long>> NonZero()
    {
        for (int i = 0; i < _drops.Length; i++)
        {
            long value = Volatile.Read(ref _drops[i]);
            if (value != 0)
            {
                yield return new KeyValuePair<NatDrop, long>((NatDrop)i, value);
            }
        }
    }
}
