// Thread-safe counters of the device's own drops, by reason.
namespace WgSharp.Router.Device;

public sealed class DeviceCounters
{
    private readonly long[] _drops = new long[Enum.GetValues<DeviceDrop>().Length];

    public void Drop(DeviceDrop reason) => Interlocked.Increment(ref _drops[(int)reason]);

    public long this[DeviceDrop reason] => Volatile.Read(ref _drops[(int)reason]);

    public IEnumerable<KeyValuePair<DeviceDrop, long>> NonZero()
    {
        for (int i = 0; i < _drops.Length; i++)
        {
            long value = Volatile.Read(ref _drops[i]);
            if (value != 0)
            {
                yield return new KeyValuePair<DeviceDrop, long>((DeviceDrop)i, value);
            }
        }
    }
}
