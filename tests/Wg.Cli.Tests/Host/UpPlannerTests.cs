// The planner decides what `up` installs: routes longest prefix first, the table, wg-quick's fwmark scheme
// for a default route, and split routes with endpoint host routes when policy rules cannot be used.
using System.Net.Sockets;
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Host;
using WgSharp.Tun;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;
using static WgSharp.Cli.Tests.Config.ConfigTestKeys;

namespace WgSharp.Cli.Tests.Quick;

public class UpPlannerTests
{
    private const string Tunnel = "wg7";

    private static string File(string interfaceLines, params string[] peers)
    {
        var text = Interface + interfaceLines + "\n";
        for (int i = 0; i < peers.Length; i++)
        {
            text += $"[Peer]\nPublicKey = {PublicBase64(i + 1)}\n{peers[i]}\n";
        }

        return text;
    }

    private static UpPlan Plan(string text, FakeRoutingFacts facts, bool splitRoutes = false)
    {
        using InterfaceConfig config = ParseValid(text);
        return UpPlanner.Plan(config, Tunnel, new UpOptions(splitRoutes), facts);
    }

    private static string[] Commands(IEnumerable<RouteEntry> routes) => [.. routes.Select(r => r.ToCommandArguments())];

    private static string[] Commands(IEnumerable<RuleEntry> rules) => [.. rules.Select(r => r.ToCommandArguments())];

    [Fact]
    public void Routes_are_added_longest_prefix_first_each_prefix_once_in_the_main_table()
    {
        UpPlan plan = Plan(File("Address = 10.1.2.9/24",
            "AllowedIPs = 10.0.0.0/8, 10.1.2.0/24, fd00::/64",
            "AllowedIPs = 10.1.0.0/16, 10.1.2.3/32, 10.0.0.0/8, fd00:1::/48"), new FakeRoutingFacts());

        Assert.Equal(
            ["fd00::/64 dev wg7", "fd00:1::/48 dev wg7", "10.1.2.3/32 dev wg7", "10.1.2.0/24 dev wg7", "10.1.0.0/16 dev wg7", "10.0.0.0/8 dev wg7"],
            Commands(plan.Routes));
        Assert.True(plan.SkipCoveredRoutes);
        Assert.Empty(plan.DefaultRoutes);
        Assert.Null(plan.PolicyTable);
        Assert.Null(plan.FirewallMark);
        Assert.Equal(["10.1.2.9/24"], plan.Addresses.Select(a => a.ToString()));
    }

    [Fact]
    public void Table_off_adds_no_routes_and_no_rules()
    {
        var facts = new FakeRoutingFacts();
        UpPlan plan = Plan(File("Table = off", "AllowedIPs = 0.0.0.0/0, 10.0.0.0/8"), facts);

        Assert.Empty(plan.Routes);
        Assert.Empty(plan.DefaultRoutes);
        Assert.Equal(0, facts.FreeTableQueries);
    }

    [Fact]
    public void A_numbered_or_named_table_gets_every_route_including_the_default_and_no_rules()
    {
        UpPlan numbered = Plan(File("Table = 1234", "AllowedIPs = 0.0.0.0/0, ::/0, 10.0.0.0/8"), new FakeRoutingFacts());
        Assert.Equal(["10.0.0.0/8 dev wg7 table 1234", "0.0.0.0/0 dev wg7 table 1234", "::/0 dev wg7 table 1234"], Commands(numbered.Routes));
        Assert.Empty(numbered.DefaultRoutes);
        Assert.False(numbered.SkipCoveredRoutes);

        UpPlan named = Plan(File("Table = vpn", "AllowedIPs = 10.0.0.0/8"), new FakeRoutingFacts());
        Assert.Equal(["10.0.0.0/8 dev wg7 table 200"], Commands(named.Routes));
    }

    [Fact]
    public void A_default_route_takes_the_first_free_table_as_table_and_fwmark_with_wg_quick_rules()
    {
        var facts = new FakeRoutingFacts { FreeTable = 51822 };
        UpPlan plan = Plan(File("Address = 10.5.0.2/32, fd05::2/128", "AllowedIPs = 0.0.0.0/0, ::/0\nEndpoint = 198.51.100.7:51820"), facts);

        Assert.Equal((uint?)51822, plan.PolicyTable);
        Assert.Equal((uint?)51822, plan.FirewallMark);
        Assert.Empty(plan.Routes);
        Assert.Equal([AddressFamily.InterNetwork, AddressFamily.InterNetworkV6], plan.DefaultRoutes.Select(d => d.Family));
        DefaultRoutePlan v4 = plan.DefaultRoutes[0];
        Assert.Equal(DefaultRouteMode.PolicyRules, v4.Mode);
        Assert.Null(v4.SplitReason);
        Assert.Equal("0.0.0.0/0 dev wg7 table 51822", v4.PolicyRoute!.ToCommandArguments());
        Assert.Equal(["not fwmark 51822 table 51822", "table main suppress_prefixlength 0"], Commands(v4.PolicyRules));
        Assert.Equal(UpPlanner.SourceValidMarkKey, v4.SourceValidMarkKey);
        Assert.Equal(
            ["pref 0 to 10.5.0.2/32 iif wg7 table local proto static", "pref 0 to 10.5.0.2/32 iif lo table local proto static", "pref 0 to 10.5.0.2/32 blackhole proto static"],
            Commands(v4.GuardRules));

        DefaultRoutePlan v6 = plan.DefaultRoutes[1];
        Assert.Equal("::/0 dev wg7 table 51822", v6.PolicyRoute!.ToCommandArguments());
        Assert.Null(v6.SourceValidMarkKey); // wg-quick sets src_valid_mark for IPv4 only
        Assert.Equal(3, v6.GuardRules.Count);
        Assert.All(v6.GuardRules, r => Assert.Equal("fd05::2/128", r.To.ToString()));
    }

    [Fact]
    public void A_fwmark_in_the_file_is_the_table_and_no_other_mark_is_set()
    {
        var facts = new FakeRoutingFacts();
        UpPlan plan = Plan(File("FwMark = 0x1234", "AllowedIPs = 0.0.0.0/0"), facts);

        Assert.Equal((uint?)0x1234, plan.PolicyTable);
        Assert.Null(plan.FirewallMark);
        Assert.Equal(0, facts.FreeTableQueries);
        Assert.Equal(["not fwmark 4660 table 4660", "table main suppress_prefixlength 0"], Commands(plan.DefaultRoutes[0].PolicyRules));
    }

    [Fact]
    public void Without_policy_rules_the_default_route_is_split_with_host_routes_to_the_endpoints_through_their_old_path()
    {
        var facts = new FakeRoutingFacts
        {
            IPv4Rules = new RuleSupport(RuleAvailability.Unsupported, Errno.EAFNOSUPPORT, false),
            IPv6Rules = new RuleSupport(RuleAvailability.NotPermitted, Errno.EPERM, false),
        };
        facts.AddRoute("203.0.113.1", "eth0", gateway: "192.0.2.254");
        facts.AddRoute("2001:db8::7", "eth1", gateway: "fe80::1");
        UpPlan plan = Plan(File("", "AllowedIPs = 0.0.0.0/0, ::/0\nEndpoint = 203.0.113.1:51820", "AllowedIPs = 10.9.0.0/16\nEndpoint = [2001:db8::7]:51820"), facts);

        Assert.Equal(["10.9.0.0/16 dev wg7"], Commands(plan.Routes));
        DefaultRoutePlan v4 = plan.DefaultRoutes[0];
        Assert.Equal(DefaultRouteMode.SplitRoutes, v4.Mode);
        Assert.Contains("no policy routing", v4.SplitReason);
        Assert.Equal(["0.0.0.0/1 dev wg7", "128.0.0.0/1 dev wg7"], Commands(v4.SplitRoutes));
        Assert.Equal(["203.0.113.1/32 via 192.0.2.254 dev eth0"], Commands(v4.EndpointRoutes));

        DefaultRoutePlan v6 = plan.DefaultRoutes[1];
        Assert.Equal(DefaultRouteMode.SplitRoutes, v6.Mode);
        Assert.Contains("not permitted", v6.SplitReason);
        Assert.Equal(["::/1 dev wg7", "8000::/1 dev wg7"], Commands(v6.SplitRoutes));
        Assert.Equal(["2001:db8::7/128 via fe80::1 dev eth1"], Commands(v6.EndpointRoutes));

        // Nothing policy-routed: no table is taken and no mark is set.
        Assert.Null(plan.PolicyTable);
        Assert.Null(plan.FirewallMark);
        Assert.Equal(0, facts.FreeTableQueries);
    }

    [Fact]
    public void Rules_are_probed_per_family_so_one_family_can_be_split_and_the_other_policy_routed()
    {
        var facts = new FakeRoutingFacts { IPv6Rules = new RuleSupport(RuleAvailability.Unsupported, Errno.EAFNOSUPPORT, false) };
        UpPlan plan = Plan(File("", "AllowedIPs = 0.0.0.0/0, ::/0"), facts);

        Assert.Equal([DefaultRouteMode.PolicyRules, DefaultRouteMode.SplitRoutes], plan.DefaultRoutes.Select(d => d.Mode));
        Assert.Equal((uint?)51820, plan.PolicyTable);
    }

    [Fact]
    public void The_split_routes_option_forces_split_routes_where_rules_would_work()
    {
        var facts = new FakeRoutingFacts();
        facts.AddRoute("203.0.113.1", "eth0", gateway: "192.0.2.254");
        UpPlan plan = Plan(File("", "AllowedIPs = 0.0.0.0/0\nEndpoint = 203.0.113.1:51820"), facts, splitRoutes: true);

        DefaultRoutePlan v4 = Assert.Single(plan.DefaultRoutes);
        Assert.Equal(DefaultRouteMode.SplitRoutes, v4.Mode);
        Assert.Equal("--split-routes was given", v4.SplitReason);
        Assert.Equal(["203.0.113.1/32 via 192.0.2.254 dev eth0"], Commands(v4.EndpointRoutes));
    }

    [Fact]
    public void The_policy_way_keeps_the_split_way_ready_for_a_rule_refused_half_way()
    {
        var facts = new FakeRoutingFacts();
        facts.AddRoute("203.0.113.1", "eth0");
        DefaultRoutePlan v4 = Assert.Single(Plan(File("", "AllowedIPs = 0.0.0.0/0\nEndpoint = 203.0.113.1:51820"), facts).DefaultRoutes);

        Assert.Equal(DefaultRouteMode.PolicyRules, v4.Mode);
        Assert.Equal(["0.0.0.0/1 dev wg7", "128.0.0.0/1 dev wg7"], Commands(v4.SplitRoutes));
        Assert.Equal(["203.0.113.1/32 dev eth0"], Commands(v4.EndpointRoutes)); // on-link: no gateway
    }

    [Fact]
    public void No_free_table_means_split_routes()
    {
        var facts = new FakeRoutingFacts { FreeTable = 0 };
        DefaultRoutePlan v4 = Assert.Single(Plan(File("", "AllowedIPs = 0.0.0.0/0"), facts).DefaultRoutes);

        Assert.Equal(DefaultRouteMode.SplitRoutes, v4.Mode);
        Assert.Contains("no routing table", v4.SplitReason);
    }

    [Fact]
    public void Strict_rp_filter_on_the_endpoints_interface_means_split_routes_for_IPv4_only()
    {
        var facts = new FakeRoutingFacts();
        facts.AddRoute("203.0.113.1", "eth0", gateway: "192.0.2.254");
        facts.ReversePathFilters["eth0"] = 1;
        UpPlan plan = Plan(File("", "AllowedIPs = 0.0.0.0/0, ::/0\nEndpoint = 203.0.113.1:51820"), facts);

        Assert.Equal([DefaultRouteMode.SplitRoutes, DefaultRouteMode.PolicyRules], plan.DefaultRoutes.Select(d => d.Mode));
        Assert.Contains("rp_filter is strict on eth0", plan.DefaultRoutes[0].SplitReason);

        facts.ReversePathFilters["eth0"] = 2; // loose mode passes: some route back exists
        Assert.All(Plan(File("", "AllowedIPs = 0.0.0.0/0\nEndpoint = 203.0.113.1:51820"), facts).DefaultRoutes,
            d => Assert.Equal(DefaultRouteMode.PolicyRules, d.Mode));
    }

    [Fact]
    public void Endpoints_without_a_unicast_route_get_no_host_route()
    {
        var facts = new FakeRoutingFacts { IPv4Rules = new RuleSupport(RuleAvailability.Unsupported, Errno.EAFNOSUPPORT, false) };
        facts.AddRoute("192.0.2.10", "lo", type: RouteType.Local);
        DefaultRoutePlan v4 = Assert.Single(Plan(File("",
            "AllowedIPs = 0.0.0.0/0\nEndpoint = 192.0.2.10:1",
            "AllowedIPs = 10.0.0.1/32\nEndpoint = 192.0.2.11:1"), facts).DefaultRoutes);

        Assert.Empty(v4.EndpointRoutes);
    }

    [Fact]
    public void The_mtu_is_the_files_or_the_largest_endpoint_route_or_the_default_route_or_1500_minus_80()
    {
        var facts = new FakeRoutingFacts { DefaultMtu = 9000 };
        facts.AddRoute("198.51.100.1", "eth0", mtu: 1400);
        facts.AddRoute("198.51.100.2", "eth1", mtu: 1492);
        string twoEndpoints = File("", "AllowedIPs = 10.0.0.1/32\nEndpoint = 198.51.100.1:1", "AllowedIPs = 10.0.0.2/32\nEndpoint = 198.51.100.2:1");

        Assert.Equal(1300, Plan(File("MTU = 1300", "AllowedIPs = 10.0.0.1/32\nEndpoint = 198.51.100.1:1"), facts).Mtu);
        Assert.Equal(1412, Plan(twoEndpoints, facts).Mtu);
        Assert.Equal(8920, Plan(File("", "AllowedIPs = 10.0.0.1/32"), facts).Mtu);
        facts.DefaultMtu = null;
        Assert.Equal(1420, Plan(File("", "AllowedIPs = 10.0.0.1/32\nEndpoint = 198.51.100.99:1"), facts).Mtu);
    }

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.5/32", true)]
    [InlineData("10.0.0.0/24", "10.0.0.0/24", true)]
    [InlineData("10.0.0.0/24", "10.0.0.0/16", false)]
    [InlineData("10.0.0.0/24", "10.0.1.0/24", false)]
    [InlineData("0.0.0.0/0", "10.0.0.0/8", true)]
    [InlineData("fd00::/64", "fd00::1/128", true)]
    [InlineData("fd00::/64", "10.0.0.0/8", false)]
    public void A_route_through_the_interface_covers_the_prefixes_inside_it(string route, string prefix, bool covers) =>
        Assert.Equal(covers, QuickUp.Covers(RoutePrefix.Parse(route), RoutePrefix.Parse(prefix)));
}
