// ConnectionTracker: TCP state transitions from flags, per-state and per-protocol timeouts on a driven
// clock, both-direction lookups, the table bound with eviction and refusal, reply-port search, sweeping,
// and the `Inbound = established` query.
using WgSharp.Router.Nat;
using WgSharp.Router.Packets;
using static WgSharp.Router.Tests.Nat.NatTestPackets;

namespace WgSharp.Router.Tests.Nat;

public class ConnectionTrackerTests
{
    private static readonly TimeSpan T0 = TimeSpan.FromHours(1);

    private static FlowTuple TcpTuple(ushort sourcePort = 40000, string src = "192.168.2.10", string dst = "198.51.100.7", ushort dstPort = 443) =>
        new(IpProtocol.Tcp, Key(src), sourcePort, Key(dst), dstPort);

    private static FlowTuple UdpTuple(ushort sourcePort = 5353) =>
        new(IpProtocol.Udp, Key("192.168.2.10"), sourcePort, Key("198.51.100.53"), 53);

    private static ConnectionTracker NewTracker(int capacity = 1024, int evictionScan = 64) =>
        new(new ConntrackOptions { Capacity = capacity, HashSeed = 42, EvictionScanLimit = evictionScan });

    private static FlowMatch Open(ConnectionTracker tracker, FlowTuple tuple, TimeSpan now, int status = 0, int peer = 1)
    {
        Assert.Equal(ConntrackInsertResult.Inserted, tracker.TryInsert(tuple, tuple.Invert(), PortSearch.None, status, peer, FlowOrigin.Local, ConnectionTracker.LocalOwner, now, out FlowMatch match));
        return match;
    }

    private static FlowMatch Observe(ConnectionTracker tracker, FlowTuple tuple, TcpFlags flags, TimeSpan now)
    {
        Assert.True(tracker.TryObserve(tuple, flags, now, out FlowMatch match), $"{tuple} not found");
        return match;
    }

    [Fact]
    public void TcpHandshakeAndCloseFollowTheStateModel()
    {
        var tracker = NewTracker();
        FlowTuple original = TcpTuple();
        FlowTuple reply = original.Invert();
        Assert.True(FlowStatus.TryOpenTcp(TcpFlags.Syn, out int status));
        FlowMatch match = Open(tracker, original, T0, status);
        Assert.Equal(TcpConnectionState.SynSent, match.TcpState);

        Assert.Equal(TcpConnectionState.SynSent, Observe(tracker, original, TcpFlags.Syn, T0).TcpState);
        match = Observe(tracker, reply, TcpFlags.Syn | TcpFlags.Ack, T0);
        Assert.Equal(FlowDirection.Reply, match.Direction);
        Assert.Equal(TcpConnectionState.SynRecv, match.TcpState);
        Assert.Equal(0, match.Status & FlowStatus.Assured);

        match = Observe(tracker, original, TcpFlags.Ack, T0);
        Assert.Equal(TcpConnectionState.Established, match.TcpState);
        Assert.NotEqual(0, match.Status & FlowStatus.Assured);

        Assert.Equal(TcpConnectionState.Established, Observe(tracker, reply, TcpFlags.Psh | TcpFlags.Ack, T0).TcpState);
        Assert.Equal(TcpConnectionState.FinWait, Observe(tracker, original, TcpFlags.Fin | TcpFlags.Ack, T0).TcpState);
        // A retransmitted FIN from the same side changes nothing; the other side's ACK does.
        Assert.Equal(TcpConnectionState.FinWait, Observe(tracker, original, TcpFlags.Fin | TcpFlags.Ack, T0).TcpState);
        Assert.Equal(TcpConnectionState.CloseWait, Observe(tracker, reply, TcpFlags.Ack, T0).TcpState);
        Assert.Equal(TcpConnectionState.CloseWait, Observe(tracker, original, TcpFlags.Ack, T0).TcpState);
        Assert.Equal(TcpConnectionState.TimeWait, Observe(tracker, reply, TcpFlags.Fin | TcpFlags.Ack, T0).TcpState);
        Assert.Equal(TcpConnectionState.TimeWait, Observe(tracker, original, TcpFlags.Ack, T0).TcpState);

        // A new connection on the same tuple starts over, keeping the flow.
        match = Observe(tracker, original, TcpFlags.Syn, T0);
        Assert.Equal(TcpConnectionState.SynSent, match.TcpState);
        Assert.Equal(0, match.Status & (FlowStatus.Assured | FlowStatus.SeenReply));
        Assert.Equal(1, tracker.Count);
    }

    [Fact]
    public void FinFromTheReplySideIsTrackedByDirection()
    {
        var tracker = NewTracker();
        FlowTuple original = TcpTuple();
        FlowTuple reply = original.Invert();
        FlowStatus.TryOpenTcp(TcpFlags.Syn, out int status);
        Open(tracker, original, T0, status);
        Observe(tracker, reply, TcpFlags.Syn | TcpFlags.Ack, T0);
        Observe(tracker, original, TcpFlags.Ack, T0);

        Assert.Equal(TcpConnectionState.FinWait, Observe(tracker, reply, TcpFlags.Fin | TcpFlags.Ack, T0).TcpState);
        Assert.Equal(TcpConnectionState.FinWait, Observe(tracker, reply, TcpFlags.Ack, T0).TcpState);
        Assert.Equal(TcpConnectionState.CloseWait, Observe(tracker, original, TcpFlags.Ack, T0).TcpState);
        Assert.Equal(TcpConnectionState.TimeWait, Observe(tracker, original, TcpFlags.Fin | TcpFlags.Ack, T0).TcpState);
    }

    [Fact]
    public void RstClosesFromAnyStateAndExpiresAfterTenSeconds()
    {
        var tracker = NewTracker();
        FlowTuple original = TcpTuple();
        FlowStatus.TryOpenTcp(TcpFlags.Syn, out int status);
        Open(tracker, original, T0, status);
        Assert.Equal(TcpConnectionState.Closed, Observe(tracker, original.Invert(), TcpFlags.Rst | TcpFlags.Ack, T0).TcpState);

        Assert.True(tracker.TryFind(original, T0 + TimeSpan.FromSeconds(10), out _));
        Assert.False(tracker.TryFind(original, T0 + TimeSpan.FromSeconds(10.001), out _));
    }

    [Fact]
    public void SimultaneousOpenReachesEstablished()
    {
        var tracker = NewTracker();
        FlowTuple original = TcpTuple();
        FlowStatus.TryOpenTcp(TcpFlags.Syn, out int status);
        Open(tracker, original, T0, status);
        Assert.Equal(TcpConnectionState.SynRecv, Observe(tracker, original.Invert(), TcpFlags.Syn, T0).TcpState);
        Assert.Equal(TcpConnectionState.SynRecv, Observe(tracker, original, TcpFlags.Syn | TcpFlags.Ack, T0).TcpState);
        Assert.Equal(TcpConnectionState.Established, Observe(tracker, original, TcpFlags.Ack, T0).TcpState);
    }

    [Theory]
    [InlineData(0x02, true, 1)]  // SYN: SYN_SENT
    [InlineData(0x10, true, 3)]  // ACK: ESTABLISHED (picked up)
    [InlineData(0x18, true, 3)]  // PSH+ACK
    [InlineData(0x11, true, 3)]  // FIN+ACK
    [InlineData(0x04, false, 0)] // RST
    [InlineData(0x14, false, 0)] // RST+ACK
    [InlineData(0x12, false, 0)] // SYN+ACK
    [InlineData(0x00, false, 0)]
    [InlineData(0x01, false, 0)] // FIN alone
    public void OnlySynsAndMidStreamSegmentsOpenTcpFlows(int flags, bool opens, int state)
    {
        Assert.Equal(opens, FlowStatus.TryOpenTcp((TcpFlags)flags, out int status));
        Assert.Equal((TcpConnectionState)state, FlowStatus.State(status));
    }

    [Fact]
    public void TcpTimeoutsFollowTheState()
    {
        ConntrackTimeouts t = ConntrackTimeouts.Default;
        Assert.Equal(TimeSpan.FromMinutes(124), t.TcpEstablished);
        var tracker = NewTracker();
        FlowTuple original = TcpTuple();
        FlowStatus.TryOpenTcp(TcpFlags.Syn, out int status);
        Open(tracker, original, T0, status);
        // SYN_SENT: transitory, 4 minutes.
        Assert.True(tracker.TryFind(original, T0 + t.TcpTransitory, out _));
        Assert.False(tracker.TryFind(original, T0 + t.TcpTransitory + TimeSpan.FromTicks(1), out _));

        // A fresh flow to established: the 2 h 4 min timeout runs from the last packet.
        FlowTuple second = TcpTuple(40001);
        Open(tracker, second, T0, status);
        Observe(tracker, second.Invert(), TcpFlags.Syn | TcpFlags.Ack, T0);
        TimeSpan last = T0 + TimeSpan.FromMinutes(1);
        Observe(tracker, second, TcpFlags.Ack, last);
        Assert.True(tracker.TryFind(second, last + t.TcpEstablished, out _));
        Assert.False(tracker.TryFind(second, last + t.TcpEstablished + TimeSpan.FromTicks(1), out _));

        // TIME_WAIT: 2 minutes.
        FlowTuple third = TcpTuple(40002);
        Open(tracker, third, T0, status);
        Observe(tracker, third.Invert(), TcpFlags.Syn | TcpFlags.Ack, T0);
        Observe(tracker, third, TcpFlags.Ack, T0);
        Observe(tracker, third, TcpFlags.Fin | TcpFlags.Ack, T0);
        Observe(tracker, third.Invert(), TcpFlags.Fin | TcpFlags.Ack, T0);
        Assert.True(tracker.TryFind(third, T0 + t.TcpTimeWait, out _));
        Assert.False(tracker.TryFind(third, T0 + t.TcpTimeWait + TimeSpan.FromTicks(1), out _));
    }

    [Fact]
    public void PickedUpTcpFlowGetsTheLongTimeoutAndAssuranceOnlyOnceAnswered()
    {
        var tracker = NewTracker();
        FlowTuple original = TcpTuple();
        Assert.True(FlowStatus.TryOpenTcp(TcpFlags.Ack, out int status));
        FlowMatch match = Open(tracker, original, T0, status);
        Assert.Equal(TcpConnectionState.Established, match.TcpState);
        Assert.Equal(0, match.Status & FlowStatus.Assured);
        Assert.False(tracker.TryFind(original, T0 + TimeSpan.FromMinutes(5), out _));

        FlowTuple second = TcpTuple(40001);
        Open(tracker, second, T0, status);
        match = Observe(tracker, second.Invert(), TcpFlags.Ack, T0);
        Assert.NotEqual(0, match.Status & FlowStatus.Assured);
        Assert.True(tracker.TryFind(second, T0 + TimeSpan.FromHours(2), out _));
    }

    [Fact]
    public void UdpIcmpAndOtherTimeouts()
    {
        var tracker = NewTracker();
        FlowTuple unanswered = UdpTuple(1000);
        FlowTuple answered = UdpTuple(1001);
        FlowTuple echo = new(IpProtocol.Icmp, Key("192.168.2.10"), 77, Key("198.51.100.1"), 0);
        FlowTuple gre = new(47, Key("192.168.2.10"), 0, Key("198.51.100.1"), 0);
        Open(tracker, unanswered, T0);
        Open(tracker, answered, T0);
        Open(tracker, echo, T0);
        Open(tracker, gre, T0);
        FlowMatch match = Observe(tracker, answered.Invert(), TcpFlags.None, T0);
        Assert.NotEqual(0, match.Status & FlowStatus.Assured);
        match = Observe(tracker, echo.Invert(), TcpFlags.None, T0);
        Assert.NotEqual(0, match.Status & FlowStatus.SeenReply);
        Assert.Equal(0, match.Status & FlowStatus.Assured);

        TimeSpan after30 = T0 + TimeSpan.FromSeconds(30.5);
        Assert.False(tracker.TryFind(unanswered, after30, out _));
        Assert.False(tracker.TryFind(echo, after30, out _));
        Assert.True(tracker.TryFind(answered, after30, out _));
        Assert.True(tracker.TryFind(answered, T0 + TimeSpan.FromSeconds(180), out _));
        Assert.False(tracker.TryFind(answered, T0 + TimeSpan.FromSeconds(180.5), out _));
        Assert.True(tracker.TryFind(gre, T0 + TimeSpan.FromMinutes(10), out _));
        Assert.False(tracker.TryFind(gre, T0 + TimeSpan.FromMinutes(10.01), out _));
    }

    [Fact]
    public void TimeoutsAreConfigurable()
    {
        var tracker = new ConnectionTracker(new ConntrackOptions { Capacity = 8, Timeouts = ConntrackTimeouts.Default with { Udp = TimeSpan.FromSeconds(5) } });
        Open(tracker, UdpTuple(), T0);
        Assert.True(tracker.TryFind(UdpTuple(), T0 + TimeSpan.FromSeconds(5), out _));
        Assert.False(tracker.TryFind(UdpTuple(), T0 + TimeSpan.FromSeconds(6), out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionTracker(new ConntrackOptions { Timeouts = ConntrackTimeouts.Default with { Icmp = TimeSpan.Zero } }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionTracker(new ConntrackOptions { Capacity = 0 }));
    }

    [Fact]
    public void PacketsRefreshTheIdleTimer()
    {
        var tracker = NewTracker();
        FlowTuple tuple = UdpTuple();
        Open(tracker, tuple, T0);
        for (int i = 1; i <= 10; i++)
        {
            Observe(tracker, tuple, TcpFlags.None, T0 + TimeSpan.FromSeconds(20 * i));
        }
        Assert.True(tracker.TryFind(tuple, T0 + TimeSpan.FromSeconds(220), out _));
        // TryFind (ICMP errors) does not refresh.
        Assert.False(tracker.TryFind(tuple, T0 + TimeSpan.FromSeconds(231), out _));
    }

    [Fact]
    public void BothTuplesFindTheFlowWithTheRewriteTarget()
    {
        var tracker = NewTracker();
        FlowTuple original = TcpTuple();
        FlowTuple reply = original.WithSource(Key("10.5.0.2"), 40000).Invert();
        Assert.Equal(ConntrackInsertResult.Inserted, tracker.TryInsert(original, reply, PortSearch.None, 1, 3, FlowOrigin.Local, ConnectionTracker.LocalOwner, T0, out FlowMatch created));
        Assert.True(created.IsTranslated);
        Assert.Equal(original.WithSource(Key("10.5.0.2"), 40000), created.Target);

        FlowMatch back = Observe(tracker, reply, TcpFlags.Syn | TcpFlags.Ack, T0);
        Assert.Equal(FlowDirection.Reply, back.Direction);
        Assert.Equal(original.Invert(), back.Target);
        Assert.Equal(3, back.Peer);
        Assert.True(back.IsReplyFrom(3));
        Assert.False(back.IsReplyFrom(4));
        Assert.False(Observe(tracker, original, TcpFlags.Ack, T0).IsReplyFrom(3));
        Assert.False(tracker.TryFind(original.Invert(), T0, out _));
    }

    [Fact]
    public void InsertReportsAnExistingFlowAndAReplyInUse()
    {
        var tracker = NewTracker();
        FlowTuple first = TcpTuple(1);
        FlowTuple reply = first.WithSource(Key("10.5.0.2"), 7000).Invert();
        Assert.Equal(ConntrackInsertResult.Inserted, tracker.TryInsert(first, reply, PortSearch.None, 1, 1, FlowOrigin.Local, ConnectionTracker.LocalOwner, T0, out _));
        Assert.Equal(ConntrackInsertResult.Existing, tracker.TryInsert(first, reply, PortSearch.None, 1, 1, FlowOrigin.Local, ConnectionTracker.LocalOwner, T0, out FlowMatch existing));
        Assert.Equal(reply, existing.Reply);
        // Its reply tuple is an existing flow's tuple too: a packet carrying it belongs to that flow.
        Assert.Equal(ConntrackInsertResult.Existing, tracker.TryInsert(reply, reply.Invert(), PortSearch.None, 1, 1, FlowOrigin.Local, ConnectionTracker.LocalOwner, T0, out existing));
        Assert.Equal(FlowDirection.Reply, existing.Direction);

        FlowTuple second = TcpTuple(2);
        Assert.Equal(ConntrackInsertResult.ReplyInUse, tracker.TryInsert(second, reply, PortSearch.None, 1, 1, FlowOrigin.Local, ConnectionTracker.LocalOwner, T0, out _));
        Assert.Equal(1, tracker.Counters.ReplyInUse);
        Assert.Equal(1, tracker.Count);
    }

    [Fact]
    public void PortSearchFindsAFreePortAndReportsExhaustion()
    {
        var tracker = NewTracker();
        FlowTuple reply = TcpTuple(1).WithSource(Key("10.5.0.2"), 7000).Invert();
        var range = new PortSearch(2000, 2002, 10);
        var used = new HashSet<ushort>();
        for (ushort i = 1; i <= 4; i++)
        {
            Assert.Equal(ConntrackInsertResult.Inserted, tracker.TryInsert(TcpTuple(i), reply, range, 1, 1, FlowOrigin.Local, ConnectionTracker.LocalOwner, T0, out FlowMatch match));
            Assert.True(used.Add(match.Reply.DestinationPort));
            Assert.Equal(reply.WithDestinationPort(match.Reply.DestinationPort), match.Reply);
        }
        Assert.Equal(new ushort[] { 2000, 2001, 2002, 7000 }, used.Order().ToArray());
        Assert.Equal(ConntrackInsertResult.PortsExhausted, tracker.TryInsert(TcpTuple(5), reply, range, 1, 1, FlowOrigin.Local, ConnectionTracker.LocalOwner, T0, out _));
        Assert.Equal(1, tracker.Counters.PortsExhausted);

        // An expired holder frees its port (SYN_SENT lasts 4 minutes).
        Assert.Equal(ConntrackInsertResult.Inserted, tracker.TryInsert(TcpTuple(5), reply, range, 1, 1, FlowOrigin.Local, ConnectionTracker.LocalOwner, T0 + TimeSpan.FromMinutes(5), out FlowMatch late));
        Assert.Equal(7000, late.Reply.DestinationPort);
        Assert.Equal(1, tracker.Counters.Expired);
    }

    [Fact]
    public void FullTableEvictsTheOldestUnassuredFlow()
    {
        var tracker = NewTracker(capacity: 3);
        FlowTuple assured1 = UdpTuple(1);
        FlowTuple unassured1 = UdpTuple(2);
        FlowTuple unassured2 = UdpTuple(3);
        Open(tracker, assured1, T0);
        Observe(tracker, assured1.Invert(), TcpFlags.None, T0);
        Open(tracker, unassured1, T0 + TimeSpan.FromSeconds(1));
        Open(tracker, unassured2, T0 + TimeSpan.FromSeconds(2));

        FlowTuple newcomer = UdpTuple(4);
        Open(tracker, newcomer, T0 + TimeSpan.FromSeconds(3));
        Assert.Equal(1, tracker.Counters.Evicted);
        Assert.Equal(3, tracker.Count);
        TimeSpan now = T0 + TimeSpan.FromSeconds(3);
        Assert.True(tracker.TryFind(assured1, now, out _));
        Assert.False(tracker.TryFind(unassured1, now, out _));
        Assert.True(tracker.TryFind(unassured2, now, out _));
        Assert.True(tracker.TryFind(newcomer, now, out _));
    }

    [Fact]
    public void FullTablePrefersAnExpiredFlowAndRefusesWhenAllAreAssured()
    {
        var tracker = NewTracker(capacity: 3);
        FlowTuple tcp = TcpTuple();
        FlowStatus.TryOpenTcp(TcpFlags.Syn, out int synSent);
        Open(tracker, tcp, T0, synSent);                      // unassured, lives 4 minutes
        FlowTuple echo = new(IpProtocol.Icmp, Key("192.168.2.10"), 9, Key("198.51.100.1"), 0);
        Open(tracker, echo, T0);                              // expires after 30 s
        FlowTuple assured = UdpTuple(1);
        Open(tracker, assured, T0);
        Observe(tracker, assured.Invert(), TcpFlags.None, T0);

        TimeSpan now = T0 + TimeSpan.FromSeconds(31);
        Open(tracker, UdpTuple(2), now);
        Assert.Equal(0, tracker.Counters.Evicted);
        Assert.Equal(1, tracker.Counters.Expired);
        Assert.True(tracker.TryFind(tcp, now, out _));

        // Make every flow assured: nothing may go, the newcomer is refused and counted.
        Observe(tracker, UdpTuple(2).Invert(), TcpFlags.None, now);
        Observe(tracker, tcp.Invert(), TcpFlags.Syn | TcpFlags.Ack, now);
        Observe(tracker, tcp, TcpFlags.Ack, now);
        Observe(tracker, assured, TcpFlags.None, now);
        Assert.Equal(ConntrackInsertResult.TableFull, tracker.TryInsert(UdpTuple(3), UdpTuple(3).Invert(), PortSearch.None, 0, 1, FlowOrigin.Local, ConnectionTracker.LocalOwner, now, out _));
        Assert.Equal(1, tracker.Counters.Refused);
        Assert.Equal(3, tracker.Count);
    }

    [Fact]
    public void EvictionLooksPastAssuredFlowsBeyondTheScanLimit()
    {
        // Scan limit 2: the two oldest are assured, so the first insert finds nothing but rotates them;
        // later attempts reach the unassured flow behind them.
        var tracker = NewTracker(capacity: 3, evictionScan: 2);
        for (ushort i = 1; i <= 2; i++)
        {
            Open(tracker, UdpTuple(i), T0);
            Observe(tracker, UdpTuple(i).Invert(), TcpFlags.None, T0);
        }
        Open(tracker, UdpTuple(3), T0);
        Assert.Equal(ConntrackInsertResult.TableFull, tracker.TryInsert(UdpTuple(4), UdpTuple(4).Invert(), PortSearch.None, 0, 1, FlowOrigin.Local, ConnectionTracker.LocalOwner, T0, out _));
        Assert.Equal(ConntrackInsertResult.Inserted, tracker.TryInsert(UdpTuple(4), UdpTuple(4).Invert(), PortSearch.None, 0, 1, FlowOrigin.Local, ConnectionTracker.LocalOwner, T0, out _));
        Assert.False(tracker.TryFind(UdpTuple(3), T0, out _));
        Assert.True(tracker.TryFind(UdpTuple(1), T0, out _));
        Assert.True(tracker.TryFind(UdpTuple(2), T0, out _));
    }

    [Fact]
    public void SweepReclaimsExpiredFlowsOnly()
    {
        var tracker = NewTracker(capacity: 5000);
        for (ushort i = 0; i < 3000; i++)
        {
            Open(tracker, UdpTuple(i), T0);
            if (i % 3 == 0)
            {
                Observe(tracker, UdpTuple(i).Invert(), TcpFlags.None, T0);
            }
        }
        Assert.Equal(0, tracker.Sweep(T0 + TimeSpan.FromSeconds(30)));
        Assert.Equal(2000, tracker.Sweep(T0 + TimeSpan.FromSeconds(31)));
        Assert.Equal(1000, tracker.Count);
        Assert.Equal(2000, tracker.Counters.Expired);
        Assert.True(tracker.TryFind(UdpTuple(2997), T0 + TimeSpan.FromSeconds(31), out _));
        Assert.False(tracker.TryFind(UdpTuple(2998), T0 + TimeSpan.FromSeconds(31), out _));
        // Freed slots are reused.
        for (ushort i = 10000; i < 14000; i++)
        {
            Open(tracker, UdpTuple(i), T0 + TimeSpan.FromSeconds(32));
        }
        Assert.Equal(5000, tracker.Count);
        Assert.Equal(0, tracker.Counters.Evicted);
    }

    [Fact]
    public void RemovePeerClearAndSnapshot()
    {
        var tracker = NewTracker();
        Open(tracker, UdpTuple(1), T0, peer: 1);
        Open(tracker, UdpTuple(2), T0, peer: 2);
        Open(tracker, UdpTuple(3), T0, peer: 2);
        IReadOnlyList<FlowSnapshot> flows = tracker.Snapshot(T0 + TimeSpan.FromSeconds(10));
        Assert.Equal(3, flows.Count);
        Assert.Equal(UdpTuple(1), flows[0].Original);
        Assert.Equal(TimeSpan.FromSeconds(20), flows[0].ExpiresIn);
        Assert.Equal("udp 192.168.2.10:1 -> 198.51.100.53:53", flows[0].Original.ToString());

        Assert.Equal(2, tracker.RemovePeer(2));
        Assert.Equal(1, tracker.Count);
        Assert.False(tracker.TryFind(UdpTuple(2), T0, out _));
        tracker.Clear();
        Assert.Equal(0, tracker.Count);
        Assert.False(tracker.TryFind(UdpTuple(1), T0, out _));
        Assert.Empty(tracker.Snapshot(T0));
    }

    [Fact]
    public void HashCollisionsInOneBucketStillResolve()
    {
        // Capacity 1 gives two buckets: every flow's tuples share them.
        var tracker = new ConnectionTracker(new ConntrackOptions { Capacity = 1, LockStripes = 1, HashSeed = 1 });
        Open(tracker, UdpTuple(1), T0);
        Assert.True(tracker.TryFind(UdpTuple(1).Invert(), T0, out FlowMatch match));
        Assert.Equal(FlowDirection.Reply, match.Direction);
        Assert.False(tracker.TryFind(UdpTuple(2), T0, out _));
        Open(tracker, UdpTuple(2), T0);
        Assert.Equal(1, tracker.Counters.Evicted);
        Assert.True(tracker.TryFind(UdpTuple(2), T0, out _));
        Assert.False(tracker.TryFind(UdpTuple(1), T0, out _));
    }

    [Fact]
    public void InboundEstablishedQueryOnPackets()
    {
        var tracker = NewTracker();
        var nat = new NatEngine(tracker);
        byte[] syn = Tcp("192.168.2.10", 40000, "198.51.100.7", 443);
        Assert.False(nat.TranslateOutbound(syn, 7, Key("10.5.0.2"), T0).IsDropped);
        byte[] synAck = Tcp("198.51.100.7", 443, "10.5.0.2", 40000, SynAck);

        Assert.True(tracker.IsReplyOrRelated(synAck, 7, T0));
        Assert.False(tracker.IsReplyOrRelated(synAck, 8, T0));
        Assert.False(tracker.IsReplyOrRelated(Tcp("198.51.100.7", 443, "10.5.0.2", 40001, SynAck), 7, T0));
        Assert.False(tracker.IsReplyOrRelated(Tcp("198.51.100.7", 443, "10.5.0.2", 40000, SynAck), 7, T0 + TimeSpan.FromMinutes(5)));
        // The outgoing packet itself is no reply.
        Assert.False(tracker.IsReplyOrRelated(syn, 7, T0));

        // An ICMP error quoting the translated SYN is related.
        byte[] error = new byte[576];
        Assert.True(IcmpErrorBuilder.TryWriteDestinationUnreachableV4(syn, Bytes("203.0.113.1"), IcmpTypes.V4.CodeFragmentationNeeded, 1280, error, out int written));
        Assert.True(tracker.IsReplyOrRelated(error[..written], 7, T0));
        Assert.False(tracker.IsReplyOrRelated(error[..written], 8, T0));
        Assert.False(tracker.IsReplyOrRelated(error[..(written - 1)], 7, T0));
        Assert.False(tracker.IsReplyOrRelated([0x45, 0, 0], 7, T0));
    }

    [Fact]
    public void APeerOpeningAHundredThousandAssuredFlowsTakesOnlyItsShare()
    {
        // The default table and share: 65,536 flows, a quarter each. Assured flows are never evicted, so without a
        // share the flood would fill the table and every other owner would be refused.
        var tracker = new ConnectionTracker(new ConntrackOptions { HashSeed = 42, PerOwnerLimit = 16_384 });
        const int Flood = 100_000;
        int inserted = 0;
        for (int i = 0; i < Flood; i++)
        {
            FlowTuple tuple = FloodTuple(i);
            ConntrackInsertResult result = tracker.TryInsert(tuple, tuple.Invert(), PortSearch.None, FlowStatus.Assured, 1, FlowOrigin.Remote, 1, T0, out _);
            Assert.True(result is ConntrackInsertResult.Inserted or ConntrackInsertResult.OverShare, result.ToString());
            inserted += result == ConntrackInsertResult.Inserted ? 1 : 0;
        }

        Assert.Equal(16_384, inserted);
        Assert.Equal(16_384, tracker.FlowsOf(1));
        Assert.Equal(Flood - 16_384, tracker.Counters.RefusedOverShare);
        Assert.Equal(0, tracker.Counters.Refused);

        // Another peer, a flow relayed from it, and the local side still open theirs.
        FlowTuple other = FloodTuple(Flood + 1, "10.8.0.1");
        Assert.Equal(ConntrackInsertResult.Inserted, tracker.TryInsert(other, other.Invert(), PortSearch.None, 0, 2, FlowOrigin.Remote, 2, T0, out _));
        FlowTuple relayed = FloodTuple(Flood + 2, "10.8.0.1");
        Assert.Equal(ConntrackInsertResult.Inserted, tracker.TryInsert(relayed, relayed.Invert(), PortSearch.None, 0, 1, FlowOrigin.Relayed, 2, T0, out _));
        Open(tracker, UdpTuple(), T0);
        Assert.Equal(2, tracker.FlowsOf(2));
        Assert.Equal(1, tracker.FlowsOf(ConnectionTracker.LocalOwner));

        // A flow relayed from the flooding peer counts against its share too.
        FlowTuple fromFlooder = FloodTuple(Flood + 3, "10.8.0.2");
        Assert.Equal(ConntrackInsertResult.OverShare, tracker.TryInsert(fromFlooder, fromFlooder.Invert(), PortSearch.None, 0, 2, FlowOrigin.Relayed, 1, T0, out _));
    }

    [Fact]
    public void AShareFreesAsTheOwnersFlowsEndAndFollowsItsLimit()
    {
        var tracker = new ConnectionTracker(new ConntrackOptions { Capacity = 64, HashSeed = 42, PerOwnerLimit = 2 });
        FlowTuple unassured = FloodTuple(0);
        Assert.Equal(ConntrackInsertResult.Inserted, tracker.TryInsert(unassured, unassured.Invert(), PortSearch.None, 0, 1, FlowOrigin.Remote, 1, T0, out _));
        FlowTuple assured = FloodTuple(1);
        Assert.Equal(ConntrackInsertResult.Inserted, tracker.TryInsert(assured, assured.Invert(), PortSearch.None, FlowStatus.Assured, 1, FlowOrigin.Remote, 1, T0, out _));

        // At its share, an owner makes room among its own flows as a full table does: its oldest unassured one goes.
        FlowTuple third = FloodTuple(2);
        Assert.Equal(ConntrackInsertResult.Inserted, tracker.TryInsert(third, third.Invert(), PortSearch.None, FlowStatus.Assured, 1, FlowOrigin.Remote, 1, T0, out _));
        Assert.False(tracker.TryFind(unassured, T0, out _));
        Assert.Equal(1, tracker.Counters.Evicted);
        Assert.Equal(2, tracker.FlowsOf(1));

        // Every flow of its share assured: refused; a larger share lets it in.
        FlowTuple fourth = FloodTuple(3);
        Assert.Equal(ConntrackInsertResult.OverShare, tracker.TryInsert(fourth, fourth.Invert(), PortSearch.None, 0, 1, FlowOrigin.Remote, 1, T0, out _));
        tracker.PerOwnerLimit = 3;
        Assert.Equal(ConntrackInsertResult.Inserted, tracker.TryInsert(fourth, fourth.Invert(), PortSearch.None, 0, 1, FlowOrigin.Remote, 1, T0, out _));

        // Expired and swept, the share is free again.
        TimeSpan later = T0 + TimeSpan.FromHours(1);
        tracker.Sweep(later);
        Assert.Equal(0, tracker.FlowsOf(1));
        Assert.Equal(ConntrackInsertResult.Inserted, tracker.TryInsert(third, third.Invert(), PortSearch.None, 0, 1, FlowOrigin.Remote, 1, later, out _));

        // Removing the peer removes what it owns, also flows relayed from it to another peer.
        FlowTuple relayed = FloodTuple(4);
        Assert.Equal(ConntrackInsertResult.Inserted, tracker.TryInsert(relayed, relayed.Invert(), PortSearch.None, 0, 5, FlowOrigin.Relayed, 1, later, out _));
        Assert.Equal(2, tracker.RemovePeer(1));
        Assert.Equal(0, tracker.FlowsOf(1));
        Assert.Equal(0, tracker.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => tracker.PerOwnerLimit = 65);
        Assert.Throws<ArgumentOutOfRangeException>(() => tracker.PerOwnerLimit = 0);
    }

    private static FlowTuple FloodTuple(int i, string destination = "192.168.2.10") =>
        new(IpProtocol.Udp, Key($"10.9.{i >> 16}.1"), (ushort)i, Key(destination), 53);
}
