// A clock the demo moves by hand, so a three-minute story of rekeys and keepalives runs in a second.
namespace WgSharp.Cli.Demo;

internal sealed class SimulatedClock : TimeProvider
{
    private long _ticks;
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public TimeSpan Elapsed => TimeSpan.FromTicks(_ticks);

    public override long GetTimestamp() => _ticks;

    public override DateTimeOffset GetUtcNow() => _start + Elapsed;

    public void Advance(TimeSpan by) => _ticks += by.Ticks;
}
