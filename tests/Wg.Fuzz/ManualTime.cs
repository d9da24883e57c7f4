// A clock that moves only when told: the engine under fuzzing never sees real time.
namespace WgSharp.Fuzz;

internal sealed class ManualTime : TimeProvider
{
    private long _ticks = TimeSpan.FromHours(1).Ticks;
    private DateTimeOffset _wall = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _ticks;

    public override DateTimeOffset GetUtcNow() => _wall;

    public void Advance(TimeSpan by)
    {
        _ticks += by.Ticks;
        _wall += by;
    }
}
