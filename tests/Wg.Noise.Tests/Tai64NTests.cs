// Tests of the TAI64N handshake timestamp: exact encoding, ordering as the peers compare it, whitening.
using FsCheck;
using FsCheck.Fluent;

namespace WgSharp.Noise.Tests;

public class Tai64NTests
{
    [Fact]
    public void UnixEpochIsTheTai64LabelTwoToTheSixtyTwoPlusTen()
    {
        var stamp = Tai64N.From(DateTimeOffset.UnixEpoch);
        Assert.Equal(0x400000000000000aUL, stamp.Seconds);
        Assert.Equal(0u, stamp.Nanoseconds);
    }

    [Fact]
    public void KnownDateEncodesBigEndianWithWhitenedNanoseconds()
    {
        // 2024-01-02T03:04:05.5Z is unix 1704164645 = 0x65937d25; + 0x400000000000000a = 0x4000000065937d2f.
        // 500,000,000 ns = 0x1dcd6500, with the low 24 bits cleared: 0x1d000000.
        var time = new DateTimeOffset(2024, 1, 2, 3, 4, 5, 500, TimeSpan.Zero);
        var buffer = new byte[Tai64N.Size];
        Tai64N.From(time).WriteTo(buffer);
        Assert.Equal(Convert.FromHexString("4000000065937d2f1d000000"), buffer);
    }

    [Fact]
    public void OffsetOfTheDateTimeOffsetDoesNotMatterOnlyTheInstant()
    {
        var utc = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);
        Assert.Equal(Tai64N.From(utc), Tai64N.From(utc.ToOffset(TimeSpan.FromHours(5.5))));
    }

    [Fact]
    public void BeforeTheEpochSecondsAreFlooredAndNanosecondsStayPositive()
    {
        var stamp = Tai64N.From(DateTimeOffset.UnixEpoch.AddMilliseconds(-500));
        Assert.Equal(0x400000000000000aUL - 1, stamp.Seconds);
        Assert.Equal(500_000_000u & ~Tai64N.WhitenerMask, stamp.Nanoseconds);
    }

    [Fact]
    public void ReadInvertsWriteTo()
    {
        var stamp = new Tai64N(0x0123456789abcdefUL, 0xfedcba98u);
        Span<byte> buffer = stackalloc byte[20];
        stamp.WriteTo(buffer);
        Assert.Equal(stamp, Tai64N.Read(buffer));
        Assert.Equal("0123456789abcdeffedcba98", Convert.ToHexStringLower(buffer[..12]));
    }

    [Fact]
    public void ShortBuffersThrow()
    {
        var stamp = Tai64N.From(DateTimeOffset.UnixEpoch);
        Assert.Throws<ArgumentException>(() => stamp.WriteTo(new byte[11]));
        Assert.Throws<ArgumentException>(() => Tai64N.Read(new byte[11]));
    }

    [Fact]
    public void NanosecondsAreWhitenedToMultiplesOfTwoToTheTwentyFour()
    {
        var baseTime = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
        for (var ms = 0; ms < 1000; ms++)
        {
            Assert.Equal(0u, Tai64N.From(baseTime.AddMilliseconds(ms)).Nanoseconds & Tai64N.WhitenerMask);
        }

        // 1 ms and 10 ms after a whitening boundary fall into the same 16.777 ms step: equal stamps, neither
        // after the other; the next step is after both.
        var boundary = baseTime.AddTicks((1 << 24) / 100 * 3 + 1); // a little past 3 steps (ticks are 100 ns)
        var a = Tai64N.From(boundary.AddMilliseconds(1));
        var b = Tai64N.From(boundary.AddMilliseconds(10));
        Assert.Equal(a, b);
        Assert.False(b.IsAfter(a));
        Assert.True(Tai64N.From(boundary.AddMilliseconds(20)).IsAfter(b));
    }

    [Fact]
    public void LaterSecondsWinOverLargerNanoseconds()
    {
        var earlier = new Tai64N(0x4000000000000100UL, 999_000_000);
        var later = new Tai64N(0x4000000000000101UL, 0);
        Assert.True(later.IsAfter(earlier));
        Assert.False(earlier.IsAfter(later));
        Assert.False(later.IsAfter(later));
        Assert.True(earlier < later);
    }

    [Fact]
    public void StampsNeverDecreaseAsTimeAdvances()
    {
        var gen =
            from start in Gen.Choose(0, int.MaxValue)
            from steps in Gen.ArrayOf(Gen.Choose(0, 50_000_000)) // steps of up to 5 s in ticks
            select (start, steps);
        Prop.ForAll(Arb.From(gen), input =>
        {
            var time = DateTimeOffset.UnixEpoch.AddSeconds(input.start);
            var previous = Tai64N.From(time);
            foreach (var step in input.steps)
            {
                time = time.AddTicks(step);
                var next = Tai64N.From(time);
                if (next < previous || (step >= 2 * (1 << 24) / 100 && !next.IsAfter(previous)))
                {
                    return false;
                }

                previous = next;
            }

            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void ComparisonMatchesComparingTheTwelveEncodedBytes()
    {
        var gen =
            from s1 in Gen.Choose(0, 3) from n1 in Gen.Choose(int.MinValue, int.MaxValue)
            from s2 in Gen.Choose(0, 3) from n2 in Gen.Choose(int.MinValue, int.MaxValue)
            from high in Gen.Choose(0, 1)
            select (s1, n1, s2, n2, high);
        Prop.ForAll(Arb.From(gen), input =>
        {
            // Seconds that differ in the top byte as well as in the low bits; nanoseconds over the whole uint range.
            var top = input.high == 1 ? 0x8000000000000000UL : 0x4000000000000000UL;
            var x = new Tai64N(top + (ulong)input.s1, unchecked((uint)input.n1));
            var y = new Tai64N(0x4000000000000000UL + (ulong)input.s2, unchecked((uint)input.n2));
            var bx = new byte[12];
            var by = new byte[12];
            x.WriteTo(bx);
            y.WriteTo(by);
            var bytes = Math.Sign(bx.AsSpan().SequenceCompareTo(by));
            return Math.Sign(x.CompareTo(y)) == bytes
                && x.IsAfter(y) == (bytes > 0)
                && (x == y) == (bytes == 0);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void ToStringIsTheExternalTai64NForm()
    {
        Assert.Equal("@400000000000000a00000000", Tai64N.From(DateTimeOffset.UnixEpoch).ToString());
    }
}
