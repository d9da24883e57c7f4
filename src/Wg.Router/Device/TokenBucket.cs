// A small token bucket (rate per second, burst), thread-safe, for rate limits outside the engine such
// as ICMP errors (Linux limits those too: net.ipv4.icmp_ratelimit).
using System.Diagnostics;

namespace WgSharp.Router.Device;

internal sealed class TokenBucket
{
    private readonly Lock _lock = new();
    private readonly double _perSecond;
    private readonly double _burst;
    private double _tokens;
    private long _last = Stopwatch.GetTimestamp();

    public TokenBucket(double perSecond, double burst)
    {
        _perSecond = perSecond;
        _burst = burst;
        _tokens = burst;
    }

    public bool TryTake()
    {
        lock (_lock)
        {
            long now = Stopwatch.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + (Stopwatch.GetElapsedTime(_last, now).TotalSeconds * _perSecond));
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
