// The router's status in words (RouterStatusText): rules in the config file's grammar with peers by name,
// every counter by a stable snake_case name, flow states as `show` prints them. The router reports data;
// these are the texts `wgsharp show` and the UAPI carry.
using System.Net;
using WgSharp.Cli.Presentation;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Device;
using WgSharp.Router.Nat;
using WgSharp.Router.Packets;
using WgSharp.Router.Policy;
using WgSharp.Router.Routing;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Tests.Presentation;

public sealed class RouterStatusTextTests
{
    private static readonly PublicKey Store = PrivateKey.Generate(WgSharp.Noise.SystemRandomSource.Instance).ComputePublicKey();

    [Fact]
    public void A_rule_reads_as_its_config_lines()
    {
        var rule = new RouterRule { To = [new PrefixSelector(IPNetwork.Parse("10.2.0.0/16"), false)], Action = RouterRuleAction.Drop };
        Assert.Equal("To = 10.2.0.0/16; Action = drop", RouterStatusText.Describe(rule, new Dictionary<PublicKey, string>()));
    }

    [Fact]
    public void Peers_are_named_where_they_have_a_name()
    {
        var rule = new RouterRule { Input = Store, Action = RouterRuleAction.Accept };
        Assert.Equal("Input = ystore; Action = accept", RouterStatusText.Describe(rule, new Dictionary<PublicKey, string> { [Store] = "ystore" }));
        Assert.Equal($"Input = {Store.ToBase64()}; Action = accept", RouterStatusText.Describe(rule, new Dictionary<PublicKey, string>()));
    }

    [Fact]
    public void States_read_as_a_comma_separated_list()
    {
        var rule = new RouterRule { State = RouterRuleStates.New | RouterRuleStates.Established, Input = Store, Action = RouterRuleAction.Accept };
        Assert.Contains("; State = new,established;", RouterStatusText.Describe(rule, new Dictionary<PublicKey, string>()), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_counter_has_a_stable_snake_case_name()
    {
        List<KeyValuePair<string, ulong>> counters = RouterStatusText.CounterNames(Counters());
        Assert.All(counters, c => Assert.Matches("^[a-z0-9]+(_[a-z0-9]+)*$", c.Key));
        Assert.Contains(counters, c => c.Key == "conntrack_inserted");
        Assert.Contains(counters, c => c.Key == "nat_drop_ports_exhausted");
        Assert.Contains(counters, c => c.Key == "drop_no_route");
        Assert.Contains(new KeyValuePair<string, ulong>("drop_policy_reject", 2), counters);
        Assert.Contains(new KeyValuePair<string, ulong>("conntrack_refused_share", 1), counters);
        Assert.Equal(counters.Count, counters.Select(c => c.Key).Distinct().Count());
        Assert.Equal(7 + Enum.GetValues<NatDrop>().Length + Enum.GetValues<DeviceDrop>().Length, counters.Count);
    }

    [Fact]
    public void A_snapshot_carries_rules_flows_and_counters_in_words()
    {
        var original = new FlowTuple(IpProtocol.Tcp, Key("192.168.5.10"), 40000, Key("10.2.0.5"), 80);
        var reply = new FlowTuple(IpProtocol.Tcp, Key("10.2.0.5"), 80, Key("10.0.0.1"), 40000);
        var flow = new FlowSnapshot(original, reply, FlowOrigin.Local, 1, TcpConnectionState.SynRecv, true, false, TimeSpan.FromSeconds(30));
        var rule = new RouterRule { Line = 7, Peer = Store, To = [new PrefixSelector(IPNetwork.Parse("10.2.0.0/16"), false)] };
        RouterSnapshot snapshot = RouterStatusText.ToSnapshot(new RouterStatus
        {
            Rules = [new RuleHits(rule, 3, 180)],
            PeerNames = new Dictionary<PublicKey, string> { [Store] = "ystore" },
            Flows = [new TrackedFlow(flow, Store)],
            FlowCount = 1,
            FlowCapacity = 65536,
            Counters = Counters(),
            WhenUpPeers = [new KeyValuePair<PublicKey, bool>(Store, true)],
        });

        RouterRuleStatus shown = Assert.Single(snapshot.Rules);
        Assert.Equal(new RouterRuleStatus(7, "To = 10.2.0.0/16; Peer = ystore; Action = route", 3, 180), shown);
        RouterFlow shownFlow = Assert.Single(snapshot.Flows);
        Assert.Equal("syn_recv", shownFlow.State);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.168.5.10"), 40000), shownFlow.OriginalSource);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 40000), shownFlow.ReplyDestination);
        Assert.Equal(Store, shownFlow.Peer);
        Assert.Equal(65536, snapshot.FlowCapacity);
        Assert.Equal([new KeyValuePair<PublicKey, bool>(Store, true)], snapshot.WhenUpPeers);
    }

    [Theory]
    [InlineData(IpProtocol.Tcp, "established")]
    [InlineData(IpProtocol.Udp, "udp")]
    [InlineData(IpProtocol.Icmp, "icmp")]
    public void Flow_states_read_as_show_prints_them(byte protocol, string expected)
    {
        var tuple = new FlowTuple(protocol, Key("10.0.0.1"), 1, Key("10.0.0.2"), 2);
        var flow = new FlowSnapshot(tuple, tuple.Invert(), FlowOrigin.Local, 1, TcpConnectionState.Established, true, true, TimeSpan.Zero);
        Assert.Equal(expected, RouterStatusText.FlowState(flow));
    }

    [Fact]
    public void Snake_case_splits_at_capitals()
    {
        Assert.Equal("policy_drop", RouterStatusText.SnakeCase("PolicyDrop"));
        Assert.Equal("syn_recv", RouterStatusText.SnakeCase("SynRecv"));
        Assert.Equal("udp", RouterStatusText.SnakeCase("Udp"));
    }

    private static IpAddressKey Key(string address) => IpAddressKey.FromIPAddress(IPAddress.Parse(address));

    private static RouterCounters Counters() => new()
    {
        ConntrackRefusedShare = 1,
        NatDrops = [.. Enum.GetValues<NatDrop>().Select(r => new KeyValuePair<NatDrop, long>(r, 0))],
        DeviceDrops = [.. Enum.GetValues<DeviceDrop>().Select(r => new KeyValuePair<DeviceDrop, long>(r, r == DeviceDrop.PolicyReject ? 2 : 0))],
    };
}
