// TokenBucket on a clock the test moves: the burst, then the rate, never more than the burst.
using WgSharp.Router.Device;

namespace WgSharp.Router.Tests.Device;

public class TokenBucketTests
{
    [Fact]
    public void Burst_then_rate_and_never_more_than_the_burst()
    {
        var clock = new ManualClock();
        var bucket = new TokenBucket(perSecond: 100, burst: 20, clock);
        Assert.Equal(20, Enumerable.Range(0, 50).Count(_ => bucket.TryTake()));

        clock.Advance(TimeSpan.FromMilliseconds(55));
        Assert.Equal(5, Enumerable.Range(0, 50).Count(_ => bucket.TryTake()));

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(20, Enumerable.Range(0, 50).Count(_ => bucket.TryTake()));
    }
}
