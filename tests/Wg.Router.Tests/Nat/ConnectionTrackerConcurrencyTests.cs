// ConnectionTracker under concurrency: racing inserts of one tuple, workers looking up and inserting
// while the table evicts and a sweeper reclaims, and both directions updating one flow at once.
using WgSharp.Router.Nat;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Tests.Nat;

public class ConnectionTrackerConcurrencyTests
{
    private const int Workers = 4;

    private static FlowTuple Tuple(int worker, int index) =>
        new(IpProtocol.Udp, IpAddressKey.FromV4(0xC0A8_0000u | ((uint)worker << 8) | (uint)(index % 250)), (ushort)(1024 + (index / 250)),
            IpAddressKey.FromV4(0xC633_6407), 53);

    [Fact]
    public void RacingInsertsOfOneTupleCreateOneFlow()
    {
        var tracker = new ConnectionTracker(new ConntrackOptions { Capacity = 4096 });
        const int Rounds = 300;
        int inserted = 0;
        int existing = 0;
        using var barrier = new Barrier(Workers);
        Parallel.For(0, Workers, new ParallelOptions { MaxDegreeOfParallelism = Workers }, _ =>
        {
            for (int round = 0; round < Rounds; round++)
            {
                barrier.SignalAndWait();
                FlowTuple tuple = Tuple(0, round);
                switch (tracker.TryInsert(tuple, tuple.Invert(), PortSearch.None, 0, 1, FlowOrigin.Local, ConnectionTracker.LocalOwner, TimeSpan.Zero, out FlowMatch match))
                {
                    case ConntrackInsertResult.Inserted:
                        Interlocked.Increment(ref inserted);
                        break;
                    case ConntrackInsertResult.Existing:
                        Interlocked.Increment(ref existing);
                        Assert.Equal(tuple, match.Original);
                        break;
                    default:
                        Assert.Fail("unexpected result");
                        break;
                }
            }
        });
        Assert.Equal(Rounds, inserted);
        Assert.Equal(Rounds * (Workers - 1), existing);
        Assert.Equal(Rounds, tracker.Count);
        Assert.Equal(Rounds, tracker.Counters.Created);
    }

    [Fact]
    public void LookupsStayConsistentWhileOthersInsertEvictAndSweep()
    {
        // Capacity well below the flows created: eviction and refusal run all the time.
        const int Capacity = 2048;
        const int FlowsPerWorker = 3000;
        var tracker = new ConnectionTracker(new ConntrackOptions { Capacity = Capacity, LockStripes = 8 });
        long clock = TimeSpan.FromSeconds(1).Ticks;
        int torn = 0;
        int found = 0;
        using var stop = new CancellationTokenSource();

        Exception? sweepFailure = null;
        var sweeper = new Thread(() =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    tracker.Sweep(TimeSpan.FromTicks(Interlocked.Read(ref clock)));
                    Thread.Yield();
                }
            }
            catch (Exception e)
            {
                sweepFailure = e;
            }
        });
        sweeper.Start();
        Parallel.For(0, Workers, new ParallelOptions { MaxDegreeOfParallelism = Workers }, worker =>
        {
            var random = new Random(worker);
            for (int i = 0; i < FlowsPerWorker; i++)
            {
                TimeSpan now = TimeSpan.FromTicks(Interlocked.Add(ref clock, TimeSpan.TicksPerMillisecond * 5));
                FlowTuple tuple = Tuple(worker, i);
                ConntrackInsertResult result = tracker.TryInsert(tuple, tuple.Invert(), PortSearch.None, 0, worker, FlowOrigin.Local, worker, now, out _);
                Assert.True(result is ConntrackInsertResult.Inserted or ConntrackInsertResult.TableFull or ConntrackInsertResult.Existing, result.ToString());
                if (i % 3 == 0 && result == ConntrackInsertResult.Inserted)
                {
                    // A reply: assured, so the table eventually fills with flows it may not evict.
                    tracker.TryObserve(tuple.Invert(), TcpFlags.None, now, out _);
                }
                for (int k = 0; k < 8; k++)
                {
                    int w = random.Next(Workers);
                    FlowTuple probe = Tuple(w, random.Next(Math.Max(1, i)));
                    bool reply = random.Next(2) == 0;
                    if (tracker.TryObserve(reply ? probe.Invert() : probe, TcpFlags.None, now, out FlowMatch match))
                    {
                        Interlocked.Increment(ref found);
                        if (match.Original != probe || match.Reply != probe.Invert() || match.Peer != w
                            || match.Direction != (reply ? FlowDirection.Reply : FlowDirection.Original))
                        {
                            Interlocked.Increment(ref torn);
                        }
                    }
                }
            }
        });
        stop.Cancel();
        Assert.True(sweeper.Join(TimeSpan.FromSeconds(30)));
        Assert.Null(sweepFailure);

        Assert.Equal(0, torn);
        Assert.True(found > 1000, $"only {found} lookups hit");
        Assert.True(tracker.Counters.Evicted + tracker.Counters.Expired > 0);
        TimeSpan end = TimeSpan.FromTicks(Interlocked.Read(ref clock));
        IReadOnlyList<FlowSnapshot> flows = tracker.Snapshot(end);
        Assert.True(tracker.Count <= Capacity);
        Assert.True(flows.Count <= tracker.Count);
        foreach (FlowSnapshot flow in flows)
        {
            Assert.True(tracker.TryFind(flow.Original, end, out FlowMatch a) && a.Direction == FlowDirection.Original);
            Assert.True(tracker.TryFind(flow.Reply, end, out FlowMatch b) && b.Direction == FlowDirection.Reply);
        }
        // Everything that was ever inserted is accounted for.
        Assert.Equal(tracker.Counters.Created - tracker.Counters.Evicted - tracker.Counters.Expired, tracker.Count);
    }

    [Fact]
    public void BothDirectionsUpdatingOneFlowLoseNoStep()
    {
        for (int round = 0; round < 200; round++)
        {
            var tracker = new ConnectionTracker(new ConntrackOptions { Capacity = 16, LockStripes = 64 });
            var tuple = new FlowTuple(IpProtocol.Tcp, IpAddressKey.FromV4(0x0A000001), 40000, IpAddressKey.FromV4(0x0A000002), 443);
            FlowStatus.TryOpenTcp(TcpFlags.Syn, out int status);
            tracker.TryInsert(tuple, tuple.Invert(), PortSearch.None, status, 1, FlowOrigin.Local, ConnectionTracker.LocalOwner, TimeSpan.Zero, out _);
            tracker.TryObserve(tuple.Invert(), TcpFlags.Syn | TcpFlags.Ack, TimeSpan.Zero, out _);
            tracker.TryObserve(tuple, TcpFlags.Ack, TimeSpan.Zero, out _);
            using var barrier = new Barrier(2);
            // Each side sends its FIN once among many ACKs: whatever the interleaving, the first FIN makes
            // FIN_WAIT and the other side's FIN TIME_WAIT; an update lost to a racing write would leave the
            // flow in ESTABLISHED, FIN_WAIT or CLOSE_WAIT.
            Parallel.Invoke(
                () => Side(tracker, tuple, barrier),
                () => Side(tracker, tuple.Invert(), barrier));
            Assert.True(tracker.TryFind(tuple, TimeSpan.Zero, out FlowMatch match));
            Assert.Equal(TcpConnectionState.TimeWait, match.TcpState);
        }

        static void Side(ConnectionTracker tracker, FlowTuple tuple, Barrier barrier)
        {
            barrier.SignalAndWait();
            for (int i = 0; i < 200; i++)
            {
                tracker.TryObserve(tuple, i == 100 ? TcpFlags.Fin | TcpFlags.Ack : TcpFlags.Ack, TimeSpan.Zero, out _);
            }
        }
    }
}
