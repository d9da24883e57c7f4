// Tests of the per-source handshake rate limiter with a driven clock: burst, refill, keying, sweeping, table bound.
using System.Net;
using System.Net.Sockets;

namespace WgSharp.Noise.Tests;

public class RateLimiterTests
{
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(1000);
    private static readonly TimeSpan Cost = TimeSpan.FromMilliseconds(50); // 1 s / 20

    private static RateLimiterKey V4(string address) => RateLimiterKey.FromAddress(IPAddress.Parse(address));

    private static int AllowedOf(RateLimiter limiter, RateLimiterKey key, TimeSpan now, int attempts)
    {
        var allowed = 0;
        for (var i = 0; i < attempts; i++)
        {
            allowed += limiter.Allow(key, now) ? 1 : 0;
        }

        return allowed;
    }

    [Fact]
    public void BurstOfFiveThenLimited()
    {
        var limiter = new RateLimiter();
        var key = V4("192.0.2.1");
        for (var i = 0; i < RateLimiter.PacketsBurstable; i++)
        {
            Assert.True(limiter.Allow(key, T0), $"packet {i} of the burst");
        }

        Assert.False(limiter.Allow(key, T0));
        Assert.False(limiter.Allow(key, T0 + TimeSpan.FromMilliseconds(49)));
    }

    [Fact]
    public void RefillsOnePacketPerFiftyMilliseconds()
    {
        var limiter = new RateLimiter();
        var key = V4("192.0.2.1");
        Assert.Equal(5, AllowedOf(limiter, key, T0, 10));

        Assert.False(limiter.Allow(key, T0 + Cost - TimeSpan.FromTicks(1)));
        Assert.True(limiter.Allow(key, T0 + Cost));
        Assert.False(limiter.Allow(key, T0 + Cost));

        // 125 ms later: two and a half packets' worth; two are allowed, the half is kept.
        var t = T0 + Cost + TimeSpan.FromMilliseconds(125);
        Assert.Equal(2, AllowedOf(limiter, key, t, 5));
        Assert.True(limiter.Allow(key, t + TimeSpan.FromMilliseconds(25)));
    }

    [Fact]
    public void IdleTimeRefillsAtMostTheBurst()
    {
        var limiter = new RateLimiter();
        var key = V4("192.0.2.1");
        Assert.Equal(5, AllowedOf(limiter, key, T0, 10));
        Assert.Equal(5, AllowedOf(limiter, key, T0 + TimeSpan.FromHours(1), 10));
    }

    [Fact]
    public void SustainedFloodGetsTwentyPerSecond()
    {
        var limiter = new RateLimiter();
        var key = V4("192.0.2.1");
        var allowed = 0;
        for (var ms = 0; ms < 10_000; ms += 2) // 500 attempts per second for 10 s
        {
            allowed += limiter.Allow(key, T0 + TimeSpan.FromMilliseconds(ms)) ? 1 : 0;
        }

        // The initial burst of 5 plus 20 per second for the 9.998 s that followed.
        Assert.InRange(allowed, 5 + 199, 5 + 200);
    }

    [Fact]
    public void SourcesAreIsolated()
    {
        var limiter = new RateLimiter();
        Assert.Equal(5, AllowedOf(limiter, V4("192.0.2.1"), T0, 10));
        Assert.Equal(5, AllowedOf(limiter, V4("192.0.2.2"), T0, 10));
        Assert.Equal(5, AllowedOf(limiter, V4("2001:db8::1"), T0, 10));
        Assert.Equal(3, limiter.Count);
    }

    [Fact]
    public void IPv6SourcesAreGroupedByTheirSlash64()
    {
        var limiter = new RateLimiter();
        var a = V4("2001:db8:1:2::1");
        var b = V4("2001:db8:1:2:ffff:ffff:ffff:ffff");
        var other = V4("2001:db8:1:3::1");
        Assert.Equal(a, b);
        Assert.NotEqual(a, other);
        Assert.Equal(AddressFamily.InterNetworkV6, a.AddressFamily);
        Assert.Equal("2001:db8:1:2::/64", a.ToString());

        Assert.Equal(3, AllowedOf(limiter, a, T0, 3));
        Assert.Equal(2, AllowedOf(limiter, b, T0, 5));
        Assert.Equal(5, AllowedOf(limiter, other, T0, 10));
    }

    [Fact]
    public void IPv4MappedAddressesCountAsTheirIPv4Address()
    {
        var mapped = V4("::ffff:192.0.2.1");
        Assert.Equal(V4("192.0.2.1"), mapped);
        Assert.Equal(AddressFamily.InterNetwork, mapped.AddressFamily);
        Assert.NotEqual(V4("::ffff:192.0.2.2"), mapped);
        Assert.Equal("192.0.2.1", mapped.ToString());

        // Not mapped: the IPv4-compatible form ::192.0.2.1 is an ordinary IPv6 address in ::/64.
        Assert.Equal(AddressFamily.InterNetworkV6, V4("::192.0.2.1").AddressFamily);
    }

    [Fact]
    public void IPv4KeysUseTheWholeAddress()
    {
        Assert.NotEqual(V4("192.0.2.1"), V4("192.0.2.2"));
        Assert.NotEqual(V4("0.0.0.1"), V4("::1"));
        Assert.Equal(V4("198.51.100.7"), RateLimiterKey.FromAddressBytes([198, 51, 100, 7]));
    }

    [Fact]
    public void AddressBytesOfAnotherLengthThrow()
    {
        Assert.Throws<ArgumentException>(() => RateLimiterKey.FromAddressBytes(new byte[5]));
        Assert.Throws<ArgumentException>(() => RateLimiterKey.FromAddressBytes([]));
    }

    [Fact]
    public void SweepRemovesSourcesIdleForMoreThanOneSecond()
    {
        var limiter = new RateLimiter();
        limiter.Allow(V4("192.0.2.1"), T0);
        limiter.Allow(V4("192.0.2.2"), T0 + TimeSpan.FromMilliseconds(500));

        Assert.Equal(0, limiter.Sweep(T0 + TimeSpan.FromSeconds(1)));
        Assert.Equal(1, limiter.Sweep(T0 + TimeSpan.FromSeconds(1) + TimeSpan.FromTicks(1)));
        Assert.Equal(1, limiter.Count);
        Assert.Equal(1, limiter.Sweep(T0 + TimeSpan.FromSeconds(2)));
        Assert.Equal(0, limiter.Count);
    }

    [Fact]
    public void RefusedPacketsAlsoKeepASourceAlive()
    {
        // A flooding source is charged (and refused) continuously; it must not be swept and come back with a
        // fresh burst.
        var limiter = new RateLimiter();
        var key = V4("192.0.2.1");
        Assert.Equal(5, AllowedOf(limiter, key, T0, 10));
        var t = T0;
        for (var i = 0; i < 30; i++)
        {
            t += TimeSpan.FromMilliseconds(100);
            limiter.Allow(key, t);
            limiter.Allow(key, t);
            limiter.Allow(key, t);
            Assert.Equal(0, limiter.Sweep(t));
        }

        Assert.False(limiter.Allow(key, t));
    }

    [Fact]
    public void FullTableRefusesNewSourcesButServesKnownOnes()
    {
        var limiter = new RateLimiter(maxEntries: 3);
        Assert.True(limiter.Allow(V4("192.0.2.1"), T0));
        Assert.True(limiter.Allow(V4("192.0.2.2"), T0));
        Assert.True(limiter.Allow(V4("192.0.2.3"), T0));
        Assert.False(limiter.Allow(V4("192.0.2.4"), T0));
        Assert.Equal(3, limiter.Count);
        Assert.True(limiter.Allow(V4("192.0.2.1"), T0));

        var later = T0 + TimeSpan.FromSeconds(2);
        Assert.Equal(3, limiter.Sweep(later));
        Assert.True(limiter.Allow(V4("192.0.2.4"), later));
    }

    [Fact]
    public void DefaultTableBoundIsSixtyFiveThousandFiveHundredThirtySix()
    {
        var limiter = new RateLimiter();
        Assert.Equal(65_536, limiter.MaxEntries);
        Span<byte> address = stackalloc byte[4];
        for (var i = 0; i < 65_536; i++)
        {
            address[0] = 10;
            address[1] = (byte)(i >> 16);
            address[2] = (byte)(i >> 8);
            address[3] = (byte)i;
            Assert.True(limiter.Allow(RateLimiterKey.FromAddressBytes(address), T0));
        }

        Assert.False(limiter.Allow(V4("192.0.2.1"), T0));
        Assert.Equal(65_536, limiter.Count);
    }

    [Fact]
    public void TimeGoingBackwardsGivesNoTokensAndDoesNotThrow()
    {
        var limiter = new RateLimiter();
        var key = V4("192.0.2.1");
        Assert.Equal(5, AllowedOf(limiter, key, T0, 10));
        Assert.False(limiter.Allow(key, T0 - TimeSpan.FromSeconds(10)));
        Assert.False(limiter.Allow(key, TimeSpan.MinValue));

        // The bucket's clock did not move back: 50 ms after T0 (not after T0 - 10 s) buys one packet.
        Assert.True(limiter.Allow(key, T0 + Cost));
        Assert.False(limiter.Allow(key, T0 + Cost));
        Assert.Equal(5, AllowedOf(limiter, key, TimeSpan.MaxValue, 10));
        Assert.Equal(0, limiter.Sweep(TimeSpan.MinValue));
        Assert.Equal(0, limiter.Sweep(TimeSpan.MaxValue));
        Assert.Equal(1, limiter.Count);
    }

    [Fact]
    public void ConcurrentCallersShareOneBurst()
    {
        var limiter = new RateLimiter();
        var key = V4("192.0.2.1");
        var allowed = 0;
        using var start = new Barrier(4);
        var workers = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 1000; i++)
            {
                if (limiter.Allow(key, T0))
                {
                    Interlocked.Increment(ref allowed);
                }
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => Assert.True(w.Join(TimeSpan.FromSeconds(60))));
        Assert.Equal(5, allowed);
    }

    [Fact]
    public void ClearForgetsEverySource()
    {
        var limiter = new RateLimiter();
        var key = V4("192.0.2.1");
        Assert.Equal(5, AllowedOf(limiter, key, T0, 10));
        limiter.Clear();
        Assert.Equal(0, limiter.Count);
        Assert.Equal(5, AllowedOf(limiter, key, T0, 10));
    }
}
