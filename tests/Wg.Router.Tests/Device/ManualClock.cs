// A clock the test moves by hand, shared by in-memory devices: their engines, conntrack and liveness
// read only this (the device's threads still tick in real time and see the moved clock).
namespace WgSharp.Router.Tests.Device;

internal sealed class ManualClock : TimeProvider
{
    private long _ticks = TimeSpan.FromHours(1).Ticks;
    private long _wallTicks = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero).UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _wallTicks), TimeSpan.Zero);

    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    public void Advance(TimeSpan by)
    {
        Interlocked.Add(ref _ticks, by.Ticks);
        Interlocked.Add(ref _wallTicks, by.Ticks);
    }
}
