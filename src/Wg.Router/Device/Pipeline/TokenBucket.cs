// A small token bucket (rate per second, burst), thread-safe, for rate limits outside the engine such
// as ICMP errors (Linux limits those too: net.ipv4.icmp_ratelimit, per destination host).
namespace WgSharp.Router.Device;

internal sealed class TokenBucket
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _burst;
    private double _tokens;
    private long _last;

    /// <param name="time">The device's clock (tests drive it by hand).</param>
    public TokenBucket(double perSecond, double burst, TimeProvider time)
    {
        _time = time;
        _perSecond = perSecond;
        _burst = burst;
        _tokens = burst;
        _last = _time.GetTimestamp();
    }

    public bool TryTake()
    {
        lock (_lock)
        {
            long now = _time.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * _perSecond));
            _last = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }
}
