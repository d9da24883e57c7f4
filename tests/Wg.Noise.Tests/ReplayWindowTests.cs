// Tests of the anti-replay window: explicit cases, a randomized comparison with a naive model, and concurrency.
using FsCheck;
using FsCheck.Fluent;

namespace WgSharp.Noise.Tests;

public class ReplayWindowTests
{
    private const ulong Window = ReplayWindow.WindowSize;

    [Fact]
    public void WindowIsAtLeastWhatTheWhitepaperAsksAndMatchesTheRing()
    {
        Assert.True(ReplayWindow.WindowSize >= 2048);
        Assert.Equal(8192, ReplayWindow.RingBits);
        Assert.Equal(8128UL, ReplayWindow.WindowSize);
        Assert.Equal(ulong.MaxValue - 8192, ReplayWindow.RejectAfterMessages); // 2^64 - 2^13 - 1
    }

    [Fact]
    public void FirstPacketWithCounterZeroIsAccepted()
    {
        var window = new ReplayWindow();
        Assert.True(window.IsAcceptable(0));
        Assert.True(window.TryMarkSeen(0));
        Assert.False(window.IsAcceptable(0));
    }

    [Fact]
    public void DuplicateIsRejected()
    {
        var window = new ReplayWindow();
        Assert.True(window.TryMarkSeen(5));
        Assert.False(window.IsAcceptable(5));
        Assert.False(window.TryMarkSeen(5));
        Assert.True(window.TryMarkSeen(6));
        Assert.False(window.TryMarkSeen(5));
    }

    [Fact]
    public void ReorderWithinTheWindowIsAcceptedOnce()
    {
        var window = new ReplayWindow();
        Assert.True(window.TryMarkSeen(100));
        for (ulong c = 99; c > 0; c--)
        {
            Assert.True(window.IsAcceptable(c));
            Assert.True(window.TryMarkSeen(c));
        }

        for (ulong c = 1; c <= 100; c++)
        {
            Assert.False(window.TryMarkSeen(c));
        }
    }

    [Fact]
    public void CounterExactlyWindowSizeOldIsAcceptedOneOlderIsRejected()
    {
        var window = new ReplayWindow();
        const ulong highest = 20_000;
        Assert.True(window.TryMarkSeen(highest));
        Assert.True(window.IsAcceptable(highest - Window));
        Assert.False(window.IsAcceptable(highest - Window - 1));
        Assert.False(window.TryMarkSeen(highest - Window - 1));
        Assert.True(window.TryMarkSeen(highest - Window));
    }

    [Fact]
    public void AdvancingByTheWindowForgetsOldCountersAsTooOld()
    {
        var window = new ReplayWindow();
        Assert.True(window.TryMarkSeen(1));
        Assert.True(window.TryMarkSeen(1 + Window + 1));
        Assert.False(window.IsAcceptable(1));
        Assert.False(window.TryMarkSeen(1));
    }

    [Fact]
    public void HugeJumpClearsTheWholeRing()
    {
        var window = new ReplayWindow();
        for (ulong c = 0; c < 8192; c++)
        {
            Assert.True(window.TryMarkSeen(c));
        }

        // Jump by many ring lengths to a counter whose block maps onto already-filled ring slots.
        const ulong far = (1UL << 40) + 8191;
        Assert.True(window.TryMarkSeen(far));
        for (var c = far - Window; c < far; c++)
        {
            Assert.True(window.IsAcceptable(c), $"counter {c} should be fresh after the jump");
        }

        Assert.True(window.TryMarkSeen(far - Window));
        Assert.False(window.TryMarkSeen(far));
    }

    [Fact]
    public void JumpAcrossAlmostTheWholeRingClearsOnlyTheBlocksEntered()
    {
        var window = new ReplayWindow();
        for (ulong c = 0; c < 200; c++)
        {
            Assert.True(window.TryMarkSeen(c));
        }

        // Highest moves from block 3 to block 130: blocks 4..130 enter, their ring slots (4..127, 0..2) are
        // zeroed, and slot 3 (counters 192..255) stays. The window is now 195..8323.
        const ulong jump = (64 * 130) + 3;
        Assert.True(window.TryMarkSeen(jump));
        for (ulong c = 195; c < 200; c++)
        {
            Assert.False(window.IsAcceptable(c), $"{c} was seen and is still inside the window");
        }

        Assert.False(window.IsAcceptable(194)); // too old now
        Assert.True(window.IsAcceptable(200));

        // Slots 0, 1 and 2 held the bits of counters 0..191; they now serve blocks 128..130.
        Assert.True(window.IsAcceptable((64 * 128) + 5));
        Assert.True(window.IsAcceptable((64 * 129) + 63));
        Assert.True(window.IsAcceptable((64 * 130) + 2));
        Assert.True(window.TryMarkSeen((64 * 128) + 5));
    }

    [Fact]
    public void CountersAtOrAboveRejectAfterMessagesAreRejected()
    {
        var window = new ReplayWindow();
        Assert.False(window.IsAcceptable(ReplayWindow.RejectAfterMessages));
        Assert.False(window.TryMarkSeen(ReplayWindow.RejectAfterMessages));
        Assert.False(window.TryMarkSeen(ulong.MaxValue));
        Assert.True(window.TryMarkSeen(ReplayWindow.RejectAfterMessages - 1));
        Assert.False(window.TryMarkSeen(ReplayWindow.RejectAfterMessages - 1));
    }

    [Fact]
    public void ResetForgetsEverything()
    {
        var window = new ReplayWindow();
        Assert.True(window.TryMarkSeen(0));
        Assert.True(window.TryMarkSeen(1_000_000));
        window.Reset();
        Assert.True(window.TryMarkSeen(0));
        Assert.True(window.TryMarkSeen(1));
    }

    [Fact]
    public void AgreesWithNaiveModelOnRandomSequences()
    {
        var property = Prop.ForAll(OperationsArbitrary(), operations =>
        {
            var window = new ReplayWindow();
            var model = new NaiveModel();
            foreach (var (kind, delta) in operations)
            {
                var counter = model.Pick(kind, delta);
                var expected = model.Accepts(counter);
                if (window.IsAcceptable(counter) != expected)
                {
                    return false;
                }

                if (window.TryMarkSeen(counter) != expected)
                {
                    return false;
                }

                if (expected)
                {
                    model.Mark(counter);
                }

                // Marking never changes the verdict to "acceptable again".
                if (window.IsAcceptable(counter))
                {
                    return false;
                }
            }

            return true;
        });

        // Sequences of up to 400 operations, 500 of them.
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500).WithEndSize(400), property);
    }

    [Fact]
    public void EachCounterIsAcceptedExactlyOnceUnderConcurrentMarking()
    {
        // A lost race shows up in most rounds on two cores; several rounds make a missing lock fail reliably.
        for (var round = 0; round < 6; round++)
        {
            MarkConcurrently(threads: 4, counters: 200_000, seed: round * 100);
        }
    }

    private static void MarkConcurrently(int threads, int counters, int seed)
    {
        var window = new ReplayWindow();
        var accepted = new int[counters];
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            // Every thread walks all counters. Even threads go in order, so they run in lockstep and collide on
            // the same counter; odd threads shuffle within 64-counter chunks, so marks also arrive reordered.
            var order = Enumerable.Range(0, counters).ToArray();
            if (t % 2 == 1)
            {
                var rng = new Random(seed + t);
                for (var i = 0; i < counters; i += 64)
                {
                    rng.Shuffle(order.AsSpan(i, Math.Min(64, counters - i)));
                }
            }

            start.SignalAndWait();
            foreach (var c in order)
            {
                if (window.IsAcceptable((ulong)c) && window.TryMarkSeen((ulong)c))
                {
                    Interlocked.Increment(ref accepted[c]);
                }
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => Assert.True(w.Join(TimeSpan.FromSeconds(60))));

        Assert.All(accepted, n => Assert.True(n <= 1, "a counter was accepted twice"));

        // Reordering spans at most 64 counters, far inside the window, so nothing may be lost either: the first
        // thread to reach a counter finds every higher mark made by threads that already passed it.
        Assert.All(accepted, n => Assert.Equal(1, n));
    }

    private static Arbitrary<(int Kind, ulong Delta)[]> OperationsArbitrary()
    {
        var operation =
            from kind in Gen.Frequency(
                (30, Gen.Constant(0)), // next few counters
                (25, Gen.Constant(1)), // reorder: below the highest, inside the window
                (15, Gen.Constant(2)), // duplicate of something already seen
                (10, Gen.Constant(3)), // near the window's lower edge
                (8, Gen.Constant(4)),  // far below: too old
                (7, Gen.Constant(5)),  // jump forward by up to a few rings
                (3, Gen.Constant(6)),  // far jump
                (2, Gen.Constant(7)))  // near the message limit
            from delta in Gen.Choose(0, int.MaxValue).Select(i => (ulong)i)
            select (kind, delta);
        return Arb.From(Gen.ArrayOf(operation));
    }

    // The rule stated plainly: accept a counter below the limit, unseen, and not more than WindowSize below the
    // highest counter accepted so far.
    private sealed class NaiveModel
    {
        private readonly HashSet<ulong> _seen = [];
        private readonly List<ulong> _seenList = [];
        private ulong _highest;

        public bool Accepts(ulong counter) =>
            counter < ReplayWindow.RejectAfterMessages
            && !(counter <= _highest && _highest - counter > Window)
            && !_seen.Contains(counter);

        public void Mark(ulong counter)
        {
            _seen.Add(counter);
            _seenList.Add(counter);
            _highest = Math.Max(_highest, counter);
        }

        public ulong Pick(int kind, ulong delta) => kind switch
        {
            0 => SaturatingAdd(_highest, delta % 4),
            1 => _highest - Math.Min(_highest, delta % (Window + 1)),
            2 => _seenList.Count == 0 ? 0 : _seenList[(int)(delta % (ulong)_seenList.Count)],
            3 => _highest - Math.Min(_highest, Window - 2 + (delta % 5)),
            4 => _highest - Math.Min(_highest, Window + 1 + delta),
            5 => SaturatingAdd(_highest, delta % (4 * ReplayWindow.RingBits)),
            6 => SaturatingAdd(_highest, delta << 20),
            _ => ReplayWindow.RejectAfterMessages - 3 + (delta % 6),
        };

        private static ulong SaturatingAdd(ulong a, ulong b) => ulong.MaxValue - a < b ? ulong.MaxValue : a + b;
    }
}
