// PolicyStage: hit counters (packets, bytes, SetMark matches), counters carried over a swap for
// unchanged rules and reset for changed ones, and atomic swaps under concurrent evaluation.
using System.Collections.Immutable;
using WgSharp.Router.Policy;
using WgSharp.Tun.Net;
using static WgSharp.Router.Tests.Policy.PolicyPackets;

namespace WgSharp.Router.Tests.Policy;

public class PolicyStageTests
{
    private static readonly TestPeer Nord = new("nord");

    private static ImmutableArray<PrefixSelector> List(params string[] entries) => [.. entries.Select(PrefixSelector.Parse)];

    private static readonly PolicyRule<TestPeer> MarkAll = new() { Action = PolicyRuleAction.SetMark, SetMark = new Mark(0x100, 0x100) };
    private static readonly PolicyRule<TestPeer> DropUdp = new() { Protocol = Udp, Action = PolicyRuleAction.Drop };
    private static readonly PolicyRule<TestPeer> RouteTcp = new() { Protocol = Tcp, Action = PolicyRuleAction.Route };

    [Fact]
    public void CountsPacketsAndBytesOfEveryMatch()
    {
        PolicyStage<TestPeer> stage = new();
        PolicyTable<TestPeer> table = stage.Replace([MarkAll, DropUdp, RouteTcp]);
        byte[] udp = UdpPacket("10.0.0.1", "10.0.0.2", 1, 2, new byte[100]);
        byte[] tcp = TcpPacket("10.0.0.1", "10.0.0.2", 1, 2);

        for (int i = 0; i < 3; i++)
        {
            stage.Evaluate(Summary(udp), null);
        }
        stage.Evaluate(Summary(tcp), null);
        stage.Evaluate(Summary(tcp), Nord); // no rule applies to this input: nothing counted

        Assert.Same(table, stage.Current);
        Assert.Equal(new PolicyRuleCounts(4, (3 * udp.Length) + tcp.Length), table.GetCounts(0));
        Assert.Equal(new PolicyRuleCounts(3, 3 * udp.Length), table.GetCounts(1));
        Assert.Equal(new PolicyRuleCounts(1, tcp.Length), table.GetCounts(2));
    }

    [Fact]
    public void UnchangedRulesKeepTheirCountersAcrossASwapChangedOnesStartAtZero()
    {
        PolicyStage<TestPeer> stage = new();
        PolicyTable<TestPeer> first = stage.Replace([MarkAll, DropUdp, RouteTcp]);
        PacketSummary udp = Summary(UdpPacket("10.0.0.1", "10.0.0.2", 1, 2));
        PacketSummary tcp = Summary(TcpPacket("10.0.0.1", "10.0.0.2", 1, 2));
        stage.Evaluate(udp, null);
        stage.Evaluate(udp, null);
        stage.Evaluate(tcp, null);

        // Same rules as new objects, moved and re-prioritized, plus a changed one and a new one.
        PolicyRule<TestPeer> routeTcpAgain = new() { Protocol = Tcp, Action = PolicyRuleAction.Route, Priority = 0 };
        PolicyRule<TestPeer> dropUdpChanged = new() { Protocol = Udp, Action = PolicyRuleAction.Reject };
        PolicyRule<TestPeer> markAllAgain = new() { Action = PolicyRuleAction.SetMark, SetMark = new Mark(0x100, 0x100) };
        PolicyRule<TestPeer> added = new() { Protocol = Icmp, Action = PolicyRuleAction.Drop };
        PolicyTable<TestPeer> second = stage.Replace([routeTcpAgain, dropUdpChanged, markAllAgain, added]);

        Assert.Equal(1, second.GetCounts(0).Packets);
        Assert.Equal(0, second.GetCounts(1).Packets);
        Assert.Equal(3, second.GetCounts(2).Packets);
        Assert.Equal(0, second.GetCounts(3).Packets);

        // A packet still finishing against the old table counts in the carried counter.
        first.Evaluate(tcp, null);
        Assert.Equal(2, second.GetCounts(0).Packets);

        PolicyTable<TestPeer> reset = stage.Replace([routeTcpAgain], resetCounters: true);
        Assert.Equal(0, reset.GetCounts(0).Packets);
    }

    [Fact]
    public void DuplicateRulesPairUpInListOrder()
    {
        PolicyStage<TestPeer> stage = new();
        PolicyRule<TestPeer> markA = new() { Action = PolicyRuleAction.SetMark, SetMark = new Mark(0x1, 0x1) };
        PolicyRule<TestPeer> markB = new() { Action = PolicyRuleAction.SetMark, SetMark = new Mark(0x1, 0x1), Mark = new Mark(0x2, 0x2) };
        stage.Replace([markA, DropUdp, markA]); // both copies of markA match every packet
        stage.Evaluate(Summary(UdpPacket("10.0.0.1", "10.0.0.2", 1, 2)), null);
        stage.Evaluate(Summary(TcpPacket("10.0.0.1", "10.0.0.2", 1, 2)), null); // passes both copies

        PolicyTable<TestPeer> next = stage.Replace([markA, markB, markA, markA]);
        Assert.Equal(2, next.GetCounts(0).Packets);
        Assert.Equal(0, next.GetCounts(1).Packets);
        Assert.Equal(1, next.GetCounts(2).Packets);
        Assert.Equal(0, next.GetCounts(3).Packets);
    }

    [Fact]
    public void AnInvalidReplacementLeavesTheTableInForce()
    {
        PolicyStage<TestPeer> stage = new();
        PolicyTable<TestPeer> table = stage.Replace([DropUdp]);
        Assert.Throws<ArgumentException>(() => stage.Replace([new() { Action = PolicyRuleAction.ToPeer }]));
        Assert.Same(table, stage.Current);
    }

    [Fact]
    public void SwapsAreAtomicUnderConcurrentEvaluation()
    {
        // Two tables that each decide through a SetMark then a mark-matching rule; a reader seeing half
        // of one and half of the other would get a third outcome. The first rule is in both, so its
        // counter must end up counting every evaluation across all the swaps.
        PolicyRule<TestPeer> common = new() { Action = PolicyRuleAction.SetMark, SetMark = new Mark(0x1000, 0x1000) };
        PolicyRule<TestPeer>[] a =
        [
            common,
            new() { Action = PolicyRuleAction.SetMark, SetMark = Mark.Exactly(0x1) },
            new() { Mark = Mark.Exactly(0x1), Action = PolicyRuleAction.Drop },
        ];
        PolicyRule<TestPeer>[] b =
        [
            common,
            new() { Source = List("10.0.0.0/8"), Action = PolicyRuleAction.SetMark, SetMark = Mark.Exactly(0x2) },
            new() { Mark = Mark.Exactly(0x2), Action = PolicyRuleAction.ToPeer, Peer = Nord, Masquerade = true },
            new() { Action = PolicyRuleAction.Reject },
        ];
        PolicyStage<TestPeer> stage = new();
        stage.Replace(a);
        PacketSummary packet = Summary(UdpPacket("10.0.0.1", "10.0.0.2", 1, 2));

        using CancellationTokenSource stop = new(TimeSpan.FromSeconds(1.5));
        long evaluations = 0;
        string? failure = null;
        int swaps = 0;
        Thread[] readers = [.. Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            long count = 0;
            while (!stop.IsCancellationRequested)
            {
                PolicyDecision<TestPeer> d = stage.Evaluate(packet, null);
                count++;
                bool isA = d.Action == PolicyAction.Drop && d.Mark == 0x1 && d.RuleIndex == 2 && d.Peer is null;
                bool isB = d.Action == PolicyAction.ToPeer && d.Mark == 0x2 && d.RuleIndex == 2 && ReferenceEquals(d.Peer, Nord) && d.Masquerade;
                if (!isA && !isB)
                {
                    Interlocked.CompareExchange(ref failure, d.ToString(), null);
                }
            }
            Interlocked.Add(ref evaluations, count);
        }))];
        foreach (Thread reader in readers)
        {
            reader.Start();
        }
        while (!stop.IsCancellationRequested)
        {
            stage.Replace(swaps % 2 == 0 ? b : a);
            swaps++;
        }
        foreach (Thread reader in readers)
        {
            Assert.True(reader.Join(TimeSpan.FromSeconds(10)));
        }

        Assert.Null(failure);
        Assert.True(swaps > 100, $"only {swaps} swaps");
        Assert.True(evaluations > 1000, $"only {evaluations} evaluations");
        Assert.Equal(evaluations, stage.Current.GetCounts(0).Packets);
    }
}
