// PolicyTable evaluation: each selector alone and combined (negations, port ranges, protocols with
// and without ports, ICMP, IPv6 extension headers, fragments), input, marks, first-match order,
// SetMark continuation, Priority ordering, decisions, validation, and a randomized naive model.
using System.Collections.Immutable;
using WgSharp.Router.Policy;
using WgSharp.Tun.Net;
using static WgSharp.Router.Tests.Policy.PolicyPackets;

namespace WgSharp.Router.Tests.Policy;

public class PolicyTableTests
{
    private static readonly TestPeer Nord = new("nord");
    private static readonly TestPeer Home = new("home");
    private static readonly TestPeer Other = new("other");

    private static ImmutableArray<PrefixSelector> List(params string[] entries) => [.. entries.Select(PrefixSelector.Parse)];

    private static PolicyRule<TestPeer> Drop(
        string[]? from = null, string[]? to = null, byte? protocol = null, PortRange? port = null, PortRange? sourcePort = null,
        Mark? mark = null, PolicyInput<TestPeer> input = default) => new()
        {
            Source = List(from ?? []),
            Destination = List(to ?? []),
            Protocol = protocol,
            DestinationPorts = port,
            SourcePorts = sourcePort,
            Mark = mark,
            Input = input,
            Action = PolicyRuleAction.Drop,
        };

    private static bool Matches(PolicyRule<TestPeer> rule, byte[] packet, TestPeer? input = null, uint mark = 0) =>
        PolicyTable<TestPeer>.Build([rule]).Evaluate(Summary(packet), input, mark).Action == PolicyAction.Drop;

    [Fact]
    public void EmptyTableDecidesNothing()
    {
        PolicyDecision<TestPeer> decision = PolicyTable<TestPeer>.Empty.Evaluate(Summary(TcpPacket("10.0.0.1", "10.0.0.2", 1, 2)), null, 0x55);
        Assert.Equal(PolicyAction.Default, decision.Action);
        Assert.Equal(-1, decision.RuleIndex);
        Assert.Equal(0x55u, decision.Mark);
        Assert.Null(decision.Peer);
        Assert.False(decision.Masquerade);
    }

    [Fact]
    public void RuleWithoutSelectorsMatchesEveryLocalPacket()
    {
        PolicyRule<TestPeer> rule = Drop();
        Assert.True(Matches(rule, TcpPacket("10.0.0.1", "10.0.0.2", 1, 2)));
        Assert.True(Matches(rule, EchoPacket("fd00::1", "fd00::2", 7)));
        Assert.True(Matches(rule, Ip(47, "10.0.0.1", "10.0.0.2", [0, 0, 8, 0])));
        Assert.False(Matches(rule, TcpPacket("10.0.0.1", "10.0.0.2", 1, 2), input: Nord)); // the default input is the local side
    }

    [Fact]
    public void SourceSelectorWithNegation()
    {
        PolicyRule<TestPeer> rule = Drop(from: ["192.168.2.0/24", "!192.168.2.128/25"]);
        Assert.True(Matches(rule, UdpPacket("192.168.2.10", "8.8.8.8", 1, 53)));
        Assert.False(Matches(rule, UdpPacket("192.168.2.200", "8.8.8.8", 1, 53)));
        Assert.False(Matches(rule, UdpPacket("192.168.1.10", "8.8.8.8", 1, 53)));
        Assert.False(Matches(rule, UdpPacket("8.8.8.8", "192.168.2.10", 53, 1))); // destination is not source
        Assert.False(Matches(rule, UdpPacket("fd00::1", "fd00::2", 1, 53)));
    }

    [Fact]
    public void DestinationSelectorWithOnlyNegations()
    {
        // "everything but the private networks": S1/S2's "never send the VM's private networks upstream".
        PolicyRule<TestPeer> rule = Drop(to: ["!10.0.0.0/8", "!192.168.0.0/16", "!fd00::/8"]);
        Assert.True(Matches(rule, UdpPacket("10.4.0.200", "1.1.1.1", 1, 53)));
        Assert.True(Matches(rule, UdpPacket("fd00::1", "2001:db8::1", 1, 53)));
        Assert.False(Matches(rule, UdpPacket("10.4.0.200", "10.4.0.1", 1, 53)));
        Assert.False(Matches(rule, UdpPacket("10.4.0.200", "192.168.7.7", 1, 53)));
        Assert.False(Matches(rule, UdpPacket("fd00::1", "fd00::2", 1, 53)));
    }

    [Fact]
    public void SourceAndDestinationTogether()
    {
        PolicyRule<TestPeer> rule = Drop(from: ["10.4.0.128/25"], to: ["!10.4.0.0/24"]);
        Assert.True(Matches(rule, UdpPacket("10.4.0.130", "1.1.1.1", 1, 53)));
        Assert.False(Matches(rule, UdpPacket("10.4.0.130", "10.4.0.5", 1, 53)));
        Assert.False(Matches(rule, UdpPacket("10.4.0.5", "1.1.1.1", 1, 53)));
    }

    [Fact]
    public void ProtocolSelector()
    {
        Assert.True(Matches(Drop(protocol: Tcp), TcpPacket("10.0.0.1", "10.0.0.2", 1, 2)));
        Assert.False(Matches(Drop(protocol: Tcp), UdpPacket("10.0.0.1", "10.0.0.2", 1, 2)));
        Assert.True(Matches(Drop(protocol: Icmp), EchoPacket("10.0.0.1", "10.0.0.2", 1)));
        Assert.False(Matches(Drop(protocol: Icmp), EchoPacket("fd00::1", "fd00::2", 1))); // ICMPv6 is 58
        Assert.True(Matches(Drop(protocol: IcmpV6), EchoPacket("fd00::1", "fd00::2", 1)));
        Assert.True(Matches(Drop(protocol: 47), Ip(47, "10.0.0.1", "10.0.0.2", [0, 0, 8, 0])));
    }

    [Fact]
    public void DestinationPortRange()
    {
        PolicyRule<TestPeer> rule = Drop(protocol: Tcp, port: new PortRange(8000, 8100));
        Assert.True(Matches(rule, TcpPacket("10.0.0.1", "10.0.0.2", 1, 8000)));
        Assert.True(Matches(rule, TcpPacket("10.0.0.1", "10.0.0.2", 1, 8100)));
        Assert.False(Matches(rule, TcpPacket("10.0.0.1", "10.0.0.2", 1, 7999)));
        Assert.False(Matches(rule, TcpPacket("10.0.0.1", "10.0.0.2", 1, 8101)));
        Assert.False(Matches(rule, TcpPacket("10.0.0.1", "10.0.0.2", 8050, 80))); // the source port is not the destination port
        Assert.False(Matches(rule, UdpPacket("10.0.0.1", "10.0.0.2", 1, 8050)));
    }

    [Fact]
    public void PortRangesAtTheEdgesOfTheNumberSpace()
    {
        PolicyRule<TestPeer> low = Drop(protocol: Udp, port: new PortRange(0, 0));
        PolicyRule<TestPeer> high = Drop(protocol: Udp, port: PortRange.Single(65535));
        PolicyRule<TestPeer> all = Drop(protocol: Udp, port: new PortRange(0, 65535));
        Assert.True(Matches(low, UdpPacket("10.0.0.1", "10.0.0.2", 5, 0)));
        Assert.False(Matches(low, UdpPacket("10.0.0.1", "10.0.0.2", 5, 65535)));
        Assert.True(Matches(high, UdpPacket("10.0.0.1", "10.0.0.2", 5, 65535)));
        Assert.False(Matches(high, UdpPacket("10.0.0.1", "10.0.0.2", 5, 0)));
        Assert.True(Matches(all, UdpPacket("10.0.0.1", "10.0.0.2", 5, 12345)));
    }

    [Fact]
    public void SourcePortAndBothPorts()
    {
        PolicyRule<TestPeer> source = Drop(protocol: Udp, sourcePort: PortRange.Single(53));
        Assert.True(Matches(source, UdpPacket("10.0.0.1", "10.0.0.2", 53, 40000)));
        Assert.False(Matches(source, UdpPacket("10.0.0.1", "10.0.0.2", 40000, 53)));

        PolicyRule<TestPeer> both = Drop(protocol: Udp, port: PortRange.Single(53), sourcePort: new PortRange(1024, 65535));
        Assert.True(Matches(both, UdpPacket("10.0.0.1", "10.0.0.2", 40000, 53)));
        Assert.False(Matches(both, UdpPacket("10.0.0.1", "10.0.0.2", 1000, 53)));
        Assert.False(Matches(both, UdpPacket("10.0.0.1", "10.0.0.2", 40000, 54)));
    }

    [Fact]
    public void PortRulesNeverMatchLaterFragmentsButProtocolRulesDo()
    {
        PolicyRule<TestPeer> port = Drop(protocol: Udp, port: PortRange.Single(53));
        PolicyRule<TestPeer> protocol = Drop(protocol: Udp);
        byte[] first = AsV4Fragment(UdpPacket("10.0.0.1", "10.0.0.2", 1000, 53), 0, more: true);
        byte[] later = AsV4Fragment(UdpPacket("10.0.0.1", "10.0.0.2", 1000, 53), 24, more: false);
        Assert.True(Matches(port, first));
        Assert.False(Matches(port, later));
        Assert.True(Matches(protocol, later));

        byte[] udp6 = TestPackets.Udp(Address("fd00::1"), Address("fd00::2"), 1000, 53, [1, 2, 3, 4]);
        byte[] later6 = Ip(Udp, "fd00::1", "fd00::2", udp6, FragmentHeader(Udp, 1232, more: false), firstNextHeader: 44);
        Assert.False(Matches(port, later6));
        Assert.True(Matches(protocol, later6));
    }

    [Fact]
    public void Ipv6ExtensionHeadersDoNotHideTheTransport()
    {
        byte[] tcp = TestPackets.Tcp(Address("fd00::1"), Address("2001:db8::25"), 40000, 25, Syn, [], []);
        byte[] packet = Ip(Tcp, "fd00::1", "2001:db8::25", tcp, [.. OptionsHeader(60), .. OptionsHeader(Tcp)], firstNextHeader: 0);
        Assert.True(Matches(Drop(protocol: Tcp, port: PortRange.Single(25), to: ["2001:db8::/32"]), packet));
        Assert.False(Matches(Drop(protocol: 60), packet)); // an extension header is not the protocol
    }

    [Fact]
    public void MarkSelector()
    {
        PolicyRule<TestPeer> rule = Drop(mark: new Mark(0x200, 0xff00));
        byte[] packet = UdpPacket("10.0.0.1", "10.0.0.2", 1, 2);
        Assert.True(Matches(rule, packet, mark: 0x200));
        Assert.True(Matches(rule, packet, mark: 0x10_0233)); // bits outside the mask do not matter
        Assert.False(Matches(rule, packet, mark: 0x300));
        Assert.False(Matches(rule, packet, mark: 0));
        Assert.True(Matches(Drop(mark: Mark.Exactly(0)), packet, mark: 0));
        Assert.False(Matches(Drop(mark: Mark.Exactly(0)), packet, mark: 1));
    }

    [Fact]
    public void InputSelector()
    {
        byte[] packet = UdpPacket("10.0.0.1", "10.0.0.2", 1, 2);
        PolicyRule<TestPeer> fromNord = Drop(input: PolicyInput<TestPeer>.FromPeer(Nord));
        Assert.True(Matches(fromNord, packet, input: Nord));
        Assert.False(Matches(fromNord, packet, input: Home));
        Assert.False(Matches(fromNord, packet, input: null));

        PolicyRule<TestPeer> any = Drop(input: PolicyInput<TestPeer>.Any);
        Assert.True(Matches(any, packet, input: null));
        Assert.True(Matches(any, packet, input: Home));

        // Peer-specific and Any rules interleave in one order for that peer; other peers see only Any rules.
        PolicyTable<TestPeer> table = PolicyTable<TestPeer>.Build(
        [
            new() { Input = PolicyInput<TestPeer>.Any, Protocol = Tcp, Action = PolicyRuleAction.Reject },
            new() { Input = PolicyInput<TestPeer>.FromPeer(Nord), Action = PolicyRuleAction.Drop },
            new() { Input = PolicyInput<TestPeer>.Any, Action = PolicyRuleAction.Accept },
            new() { Action = PolicyRuleAction.Route },
        ]);
        PacketSummary udp = Summary(packet);
        PacketSummary tcp = Summary(TcpPacket("10.0.0.1", "10.0.0.2", 1, 2));
        Assert.Equal((PolicyAction.Reject, 0), Decide(table, tcp, Nord));
        Assert.Equal((PolicyAction.Drop, 1), Decide(table, udp, Nord));
        Assert.Equal((PolicyAction.Accept, 2), Decide(table, udp, Home));
        Assert.Equal((PolicyAction.Accept, 2), Decide(table, udp, null));
    }

    private static (PolicyAction, int) Decide(PolicyTable<TestPeer> table, in PacketSummary packet, TestPeer? input, uint mark = 0)
    {
        PolicyDecision<TestPeer> decision = table.Evaluate(packet, input, mark);
        return (decision.Action, decision.RuleIndex);
    }

    [Fact]
    public void FirstMatchDecides()
    {
        PolicyTable<TestPeer> table = PolicyTable<TestPeer>.Build(
        [
            new() { Protocol = Tcp, DestinationPorts = PortRange.Single(25), Action = PolicyRuleAction.ToPeer, Peer = Nord },
            new() { Source = List("192.168.2.0/24"), Action = PolicyRuleAction.Route, Masquerade = true },
            new() { Source = List("192.168.2.0/24"), Action = PolicyRuleAction.Drop },
            new() { Protocol = Udp, Action = PolicyRuleAction.Reject },
        ]);

        PolicyDecision<TestPeer> smtp = table.Evaluate(Summary(TcpPacket("192.168.2.5", "203.0.113.1", 40000, 25)), null);
        Assert.Equal(PolicyAction.ToPeer, smtp.Action);
        Assert.Same(Nord, smtp.Peer);
        Assert.False(smtp.Masquerade);
        Assert.Equal(0, smtp.RuleIndex);

        PolicyDecision<TestPeer> blue = table.Evaluate(Summary(UdpPacket("192.168.2.5", "203.0.113.1", 1, 53)), null);
        Assert.Equal(PolicyAction.Route, blue.Action);
        Assert.True(blue.Masquerade);
        Assert.Null(blue.Peer);
        Assert.Equal(1, blue.RuleIndex);

        Assert.Equal((PolicyAction.Reject, 3), Decide(table, Summary(UdpPacket("192.168.1.5", "203.0.113.1", 1, 53)), null));
        Assert.Equal((PolicyAction.Default, -1), Decide(table, Summary(TcpPacket("192.168.1.5", "203.0.113.1", 1, 80)), null));
    }

    [Fact]
    public void SetMarkAppliesAndEvaluationGoesOn()
    {
        PolicyTable<TestPeer> table = PolicyTable<TestPeer>.Build(
        [
            new() { Source = List("10.4.0.128/25"), Action = PolicyRuleAction.SetMark, SetMark = new Mark(0x200, 0xff00) },
            new() { Protocol = Udp, DestinationPorts = PortRange.Single(53), Action = PolicyRuleAction.SetMark, SetMark = new Mark(0x1, 0x1) },
            new() { Mark = new Mark(0x201, 0xff01), Action = PolicyRuleAction.Drop },
            new() { Mark = new Mark(0x200, 0xff00), Action = PolicyRuleAction.ToPeer, Peer = Nord, Masquerade = true },
        ]);

        // Both SetMark rules apply (bits outside each mask are kept), then the drop sees both.
        PolicyDecision<TestPeer> dns = table.Evaluate(Summary(UdpPacket("10.4.0.130", "1.1.1.1", 4000, 53)), null, 0xAB_0000);
        Assert.Equal(PolicyAction.Drop, dns.Action);
        Assert.Equal(0xAB_0201u, dns.Mark);
        Assert.Equal(2, dns.RuleIndex);

        PolicyDecision<TestPeer> web = table.Evaluate(Summary(TcpPacket("10.4.0.130", "1.1.1.1", 4000, 443)), null, 0xFF00);
        Assert.Equal(PolicyAction.ToPeer, web.Action);
        Assert.Equal(0x200u, web.Mark); // 0xFF00 & ~0xFF00 | 0x200
        Assert.True(web.Masquerade);

        // A SetMark match with no deciding rule after it: Default, with the mark set.
        PolicyDecision<TestPeer> lower = table.Evaluate(Summary(UdpPacket("10.4.0.5", "1.1.1.1", 4000, 53)), null);
        Assert.Equal(PolicyAction.Default, lower.Action);
        Assert.Equal(0x1u, lower.Mark);
        Assert.Equal(-1, lower.RuleIndex);
    }

    [Fact]
    public void MarksSetByALaterRuleDoNotMatchEarlierOnes()
    {
        PolicyTable<TestPeer> table = PolicyTable<TestPeer>.Build(
        [
            new() { Mark = Mark.Exactly(7), Action = PolicyRuleAction.Drop },
            new() { Action = PolicyRuleAction.SetMark, SetMark = Mark.Exactly(7) },
        ]);
        PolicyDecision<TestPeer> decision = table.Evaluate(Summary(UdpPacket("10.0.0.1", "10.0.0.2", 1, 2)), null);
        Assert.Equal(PolicyAction.Default, decision.Action);
        Assert.Equal(7u, decision.Mark);
    }

    [Fact]
    public void PriorityOrdersRulesAndUnprioritizedRulesFollowTheirPredecessor()
    {
        PolicyRule<TestPeer> a = new() { Protocol = Udp, Action = PolicyRuleAction.Accept };
        PolicyRule<TestPeer> b = new() { Protocol = Udp, Action = PolicyRuleAction.Drop, Priority = 10 };
        PolicyRule<TestPeer> c = new() { Protocol = Udp, Action = PolicyRuleAction.Reject };
        PolicyRule<TestPeer> d = new() { Protocol = Udp, Action = PolicyRuleAction.Route, Priority = 5 };
        PolicyRule<TestPeer> e = new() { Protocol = Tcp, Action = PolicyRuleAction.Drop, Priority = 5 };

        // Keys: a 0, b 10, c 10 (inherited), d 5, e 5 → a, d, e, b, c.
        PolicyTable<TestPeer> table = PolicyTable<TestPeer>.Build([a, b, c, d, e]);
        Assert.Equal([0, 3, 4, 1, 2], table.EvaluationOrder.ToArray());
        Assert.Equal((PolicyAction.Accept, 0), Decide(table, Summary(UdpPacket("10.0.0.1", "10.0.0.2", 1, 2)), null));

        PolicyTable<TestPeer> withoutA = PolicyTable<TestPeer>.Build([b, c, d, e]);
        Assert.Equal([2, 3, 0, 1], withoutA.EvaluationOrder.ToArray());
        Assert.Equal((PolicyAction.Route, 2), Decide(withoutA, Summary(UdpPacket("10.0.0.1", "10.0.0.2", 1, 2)), null));

        PolicyTable<TestPeer> lowFirst = PolicyTable<TestPeer>.Build(
        [
            new() { Protocol = Udp, Action = PolicyRuleAction.Drop, Priority = uint.MaxValue },
            new() { Protocol = Udp, Action = PolicyRuleAction.Reject, Priority = 0 },
        ]);
        Assert.Equal((PolicyAction.Reject, 1), Decide(lowFirst, Summary(UdpPacket("10.0.0.1", "10.0.0.2", 1, 2)), null));
    }

    [Fact]
    public void EveryActionReachesTheDecision()
    {
        byte[] packet = UdpPacket("10.0.0.1", "10.0.0.2", 1, 2);
        foreach ((PolicyRuleAction action, PolicyAction expected) in new[]
        {
            (PolicyRuleAction.Route, PolicyAction.Route),
            (PolicyRuleAction.Accept, PolicyAction.Accept),
            (PolicyRuleAction.Drop, PolicyAction.Drop),
            (PolicyRuleAction.Reject, PolicyAction.Reject),
        })
        {
            PolicyDecision<TestPeer> decision = PolicyTable<TestPeer>.Build([new() { Action = action }]).Evaluate(Summary(packet), null);
            Assert.Equal(expected, decision.Action);
            Assert.Null(decision.Peer);
            Assert.Equal(0, decision.RuleIndex);
        }
    }

    [Fact]
    public void InconsistentRulesAreRefused()
    {
        PolicyRule<TestPeer>[] bad =
        [
            new() { Action = PolicyRuleAction.ToPeer },
            new() { Action = PolicyRuleAction.Route, Peer = Nord },
            new() { Action = PolicyRuleAction.Drop, Masquerade = true },
            new() { Action = PolicyRuleAction.SetMark, Masquerade = true, SetMark = Mark.Exactly(1) },
            new() { Action = PolicyRuleAction.SetMark },
            new() { Action = PolicyRuleAction.Accept, SetMark = Mark.Exactly(1) },
            new() { Action = PolicyRuleAction.SetMark, SetMark = new Mark(0x300, 0x100) },
            new() { Mark = new Mark(0x300, 0x100) },
            new() { DestinationPorts = PortRange.Single(25) },
            new() { Protocol = Icmp, SourcePorts = PortRange.Single(25) },
            new() { Protocol = Tcp, DestinationPorts = new PortRange(100, 99) },
        ];
        foreach (PolicyRule<TestPeer> rule in bad)
        {
            ArgumentException error = Assert.Throws<ArgumentException>(() => PolicyTable<TestPeer>.Build([new() { Action = PolicyRuleAction.Accept }, rule]));
            Assert.StartsWith("Rule 1 ", error.Message, StringComparison.Ordinal);
        }
        Assert.Throws<ArgumentNullException>(() => PolicyInput<TestPeer>.FromPeer(null!));
    }

    [Fact]
    public void RuleEqualityIgnoresPriorityAndComparesPeersByReference()
    {
        PolicyRule<TestPeer> rule = new() { Source = List("10.0.0.0/8", "!10.1.0.0/16"), Protocol = Tcp, Action = PolicyRuleAction.ToPeer, Peer = Nord, Priority = 3 };
        PolicyRule<TestPeer> same = new() { Source = List("10.0.0.0/8", "!10.1.0.0/16"), Protocol = Tcp, Action = PolicyRuleAction.ToPeer, Peer = Nord };
        PolicyRule<TestPeer> otherPeer = new() { Source = List("10.0.0.0/8", "!10.1.0.0/16"), Protocol = Tcp, Action = PolicyRuleAction.ToPeer, Peer = new TestPeer("nord") };
        PolicyRule<TestPeer> otherOrder = new() { Source = List("!10.1.0.0/16", "10.0.0.0/8"), Protocol = Tcp, Action = PolicyRuleAction.ToPeer, Peer = Nord };
        Assert.Equal(rule, same);
        Assert.Equal(rule.GetHashCode(), same.GetHashCode());
        Assert.NotEqual(rule, otherPeer);
        Assert.NotEqual(rule, otherOrder);
        Assert.Equal(new PolicyRule<TestPeer>(), new PolicyRule<TestPeer> { Source = [] });
        Assert.Equal("from 10.0.0.0/8,!10.1.0.0/16 proto 6 input tun peer nord", rule.ToString());
    }

    [Fact]
    public void AgreesWithNaiveModelOnRandomRulesAndPackets()
    {
        Random random = new(77);
        TestPeer[] peers = [Nord, Home, Other];
        for (int round = 0; round < 200; round++)
        {
            PolicyRule<TestPeer>[] rules = [.. Enumerable.Range(0, random.Next(0, 25)).Select(_ => RandomRule(random, peers))];
            PolicyTable<TestPeer> table = PolicyTable<TestPeer>.Build(rules);
            for (int probe = 0; probe < 100; probe++)
            {
                byte[] packet = RandomPacket(random);
                PacketSummary summary = Summary(packet);
                TestPeer? input = random.Next(3) == 0 ? null : peers[random.Next(peers.Length)];
                uint mark = (uint)random.Next(0, 4) << 8;
                PolicyDecision<TestPeer> actual = table.Evaluate(summary, input, mark);
                (PolicyAction action, TestPeer? peer, bool masquerade, uint finalMark, int index) = NaiveEvaluate(rules, summary, input, mark);
                Assert.Equal(action, actual.Action);
                Assert.Same(peer, actual.Peer);
                Assert.Equal(masquerade, actual.Masquerade);
                Assert.Equal(finalMark, actual.Mark);
                Assert.Equal(index, actual.RuleIndex);
            }
        }
    }

    /// <summary>The rule semantics written out plainly, in list order (the random rules have no Priority).</summary>
    private static (PolicyAction, TestPeer?, bool, uint, int) NaiveEvaluate(PolicyRule<TestPeer>[] rules, PacketSummary p, TestPeer? input, uint mark)
    {
        static bool InList(ImmutableArray<PrefixSelector> list, Routing.IpAddressKey address) =>
            list.IsDefaultOrEmpty ||
            ((!list.Any(e => !e.Negated) || list.Any(e => !e.Negated && Routing.IpPrefix.FromNetwork(e.Network).Contains(address))) && !list.Any(e => e.Negated && Routing.IpPrefix.FromNetwork(e.Network).Contains(address)));

        for (int i = 0; i < rules.Length; i++)
        {
            PolicyRule<TestPeer> r = rules[i];
            bool inputOk = r.Input.Kind switch
            {
                PolicyInputKind.Local => input is null,
                PolicyInputKind.Any => true,
                _ => ReferenceEquals(r.Input.Peer, input),
            };
            bool match = inputOk &&
                InList(r.Source, p.Source) && InList(r.Destination, p.Destination) &&
                (r.Protocol is null || r.Protocol == p.Protocol) &&
                (r.DestinationPorts is null || (p.HasPorts && r.DestinationPorts.Value.Contains(p.DestinationPort))) &&
                (r.SourcePorts is null || (p.HasPorts && r.SourcePorts.Value.Contains(p.SourcePort))) &&
                (r.Mark is null || r.Mark.Value.Matches(mark));
            if (!match)
            {
                continue;
            }
            if (r.Action == PolicyRuleAction.SetMark)
            {
                mark = r.SetMark!.Value.Apply(mark);
                continue;
            }
            PolicyAction action = r.Action switch
            {
                PolicyRuleAction.Route => PolicyAction.Route,
                PolicyRuleAction.ToPeer => PolicyAction.ToPeer,
                PolicyRuleAction.Accept => PolicyAction.Accept,
                PolicyRuleAction.Drop => PolicyAction.Drop,
                _ => PolicyAction.Reject,
            };
            return (action, r.Peer, r.Masquerade, mark, i);
        }
        return (PolicyAction.Default, null, false, mark, -1);
    }

    private static PolicyRule<TestPeer> RandomRule(Random random, TestPeer[] peers)
    {
        ImmutableArray<PrefixSelector> Prefixes() => random.Next(2) == 0
            ? []
            : [.. Enumerable.Range(0, random.Next(1, random.Next(2) == 0 ? 4 : 30)).Select(_ => PolicyPrefixSetTests.RandomEntry(random))];
        byte? protocol = random.Next(4) switch { 0 => null, 1 => Tcp, 2 => Udp, _ => Icmp };
        PortRange? Ports()
        {
            if (protocol is not (Tcp or Udp) || random.Next(2) == 0)
            {
                return null;
            }
            ushort first = (ushort)random.Next(0, 70);
            return new PortRange(first, (ushort)(first + random.Next(0, 30)));
        }
        PolicyRuleAction action = (PolicyRuleAction)random.Next(0, 6);
        return new PolicyRule<TestPeer>
        {
            Source = Prefixes(),
            Destination = Prefixes(),
            Protocol = protocol,
            DestinationPorts = Ports(),
            SourcePorts = Ports(),
            Input = random.Next(3) switch
            {
                0 => PolicyInput<TestPeer>.Local,
                1 => PolicyInput<TestPeer>.Any,
                _ => PolicyInput<TestPeer>.FromPeer(peers[random.Next(peers.Length)]),
            },
            Mark = random.Next(3) == 0 ? new Mark((uint)random.Next(0, 4) << 8, 0x300) : null,
            Action = action,
            Peer = action == PolicyRuleAction.ToPeer ? peers[random.Next(peers.Length)] : null,
            Masquerade = action is PolicyRuleAction.Route or PolicyRuleAction.ToPeer && random.Next(2) == 0,
            SetMark = action == PolicyRuleAction.SetMark ? new Mark((uint)random.Next(0, 4) << 8, 0x300) : null,
        };
    }

    private static byte[] RandomPacket(Random random)
    {
        bool v6 = random.Next(3) == 0;
        string Address()
        {
            if (v6)
            {
                return random.Next(2) == 0
                    ? "fd00::" + random.Next(0, 0xffff).ToString("x", System.Globalization.CultureInfo.InvariantCulture)
                    : PolicyPrefixSetTests.RandomAddress(random, true).ToString();
            }
            return random.Next(2) == 0
                ? $"10.{random.Next(4)}.{random.Next(4)}.{random.Next(256)}"
                : PolicyPrefixSetTests.RandomAddress(random, false).ToString();
        }
        string src = Address();
        string dst = Address();
        ushort Port() => (ushort)random.Next(0, 100);
        byte[] packet = random.Next(4) switch
        {
            0 => TcpPacket(src, dst, Port(), Port()),
            1 => UdpPacket(src, dst, Port(), Port()),
            2 => EchoPacket(src, dst, Port()),
            _ => Ip(47, src, dst, [0, 0, 8, 0]),
        };
        if (!v6 && random.Next(6) == 0)
        {
            packet = AsV4Fragment(packet, random.Next(2) * 16, more: true);
        }
        return packet;
    }
}
