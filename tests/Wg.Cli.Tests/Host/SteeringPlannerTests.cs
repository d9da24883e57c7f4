// Kernel steering from [Rule] sections: which rules produce which ip rules, in which priority block, with the
// suppress_prefixlength companion, the fwmark guard, reply routing by source, goto rules for negated prefixes,
// the table choice, fallbacks for kernels without rules or selectors, and what the state file keeps of them.
using System.Net.Sockets;
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Host;
using WgSharp.Cli.Tests.Support;
using WgSharp.Tun;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;
using static WgSharp.Cli.Tests.Config.ConfigTestKeys;

namespace WgSharp.Cli.Tests.Quick;

public class SteeringPlannerTests
{
    private const string Tunnel = "wg7";

    private const string TwoPeers = "[Peer]\nPublicKey = {0}\nName = vps\nAllowedIPs = 10.9.0.0/24\nEndpoint = 198.51.100.7:51820\n"
        + "[Peer]\nPublicKey = {1}\nName = other\nAllowedIPs = 10.8.0.0/24\n";

    private static string File(string interfaceLines, string rules, string? peers = null) =>
        Interface + interfaceLines + "\n" + string.Format(peers ?? TwoPeers, PublicBase64(1), PublicBase64(2)) + rules;

    private static UpPlan Plan(string text, FakeRoutingFacts? facts = null)
    {
        using InterfaceConfig config = ParseValid(text);
        return UpPlanner.Plan(config, Tunnel, new UpOptions(false), facts ?? new FakeRoutingFacts());
    }

    private static string[] Rules(UpPlan plan, AddressFamily family) =>
        [.. plan.Steering!.Families.Single(f => f.Family == family).Rules.Select(r => r.ToCommandArguments())];

    [Fact]
    public void A_port_rule_steers_by_ipproto_and_dport_below_a_companion_a_mark_guard_and_reply_routing_by_source()
    {
        UpPlan plan = Plan(File("Address = 10.5.0.2/32, fd05::2/128", "[Rule]\nProtocol = tcp\nPort = 25\nPeer = vps\n"));

        SteeringPlan steering = plan.Steering!;
        Assert.Equal(51820u, steering.Table);
        // No default route and no FwMark in the file: the device gets the steering table as its mark.
        Assert.Equal(51820u, plan.FirewallMark);
        Assert.Equal(51820u, steering.FirewallMark);
        Assert.Null(plan.PolicyTable);
        Assert.Equal(
        [
            "pref 32761 table main suppress_prefixlength 0",
            "pref 32762 fwmark 51820 goto 32765",
            "pref 32763 from 10.5.0.2/32 table 51820",
            "pref 32764 ipproto tcp dport 25 table 51820",
            "pref 32765 nop",
        ], Rules(plan, AddressFamily.InterNetwork));
        Assert.Equal(
        [
            "pref 32761 table main suppress_prefixlength 0",
            "pref 32762 fwmark 51820 goto 32765",
            "pref 32763 from fd05::2/128 table 51820",
            "pref 32764 ipproto tcp dport 25 table 51820",
            "pref 32765 nop",
        ], Rules(plan, AddressFamily.InterNetworkV6));
        Assert.Equal(["0.0.0.0/0 dev wg7 table 51820", "::/0 dev wg7 table 51820"],
            steering.Families.Select(f => f.DefaultRoute!.ToCommandArguments()));
        Assert.Empty(steering.Skipped);
        // The AllowedIPs routes are untouched by steering.
        Assert.Equal(["10.9.0.0/24 dev wg7", "10.8.0.0/24 dev wg7"], plan.Routes.Select(r => r.ToCommandArguments()));
    }

    [Fact]
    public void From_and_to_prefixes_give_one_rule_per_pair_of_their_family_and_source_ports_and_ranges_carry_over()
    {
        UpPlan plan = Plan(File("Address = 10.5.0.2/32\nFwMark = 0x99",
            "[Rule]\nFrom = 192.168.2.0/24, 192.168.3.0/24\nTo = 203.0.113.0/24, 2001:db8::/32\n"
            + "[Rule]\nProtocol = udp\nSourcePort = 5000-5010\nPort = 8000-8100\n"));

        // The file's FwMark serves as the guard's mark; up sets none of its own.
        Assert.Null(plan.FirewallMark);
        Assert.Equal(
        [
            "pref 32759 table main suppress_prefixlength 0",
            "pref 32760 fwmark 153 goto 32765",
            "pref 32761 from 10.5.0.2/32 table 51820",
            "pref 32762 from 192.168.2.0/24 to 203.0.113.0/24 table 51820",
            "pref 32763 from 192.168.3.0/24 to 203.0.113.0/24 table 51820",
            "pref 32764 ipproto udp sport 5000-5010 dport 8000-8100 table 51820",
            "pref 32765 nop",
        ], Rules(plan, AddressFamily.InterNetwork));
        // The tunnel has no IPv6 address, and the first rule's sources are IPv4 only: nothing to steer for IPv6.
        Assert.DoesNotContain(plan.Steering!.Families, f => f.Family == AddressFamily.InterNetworkV6);
    }

    [Fact]
    public void Negated_prefixes_become_goto_rules_that_skip_only_their_own_rule()
    {
        UpPlan plan = Plan(File("Address = 10.5.0.2/32",
            "[Rule]\nFrom = 192.168.2.0/24, !192.168.2.128/25\nTo = !10.0.0.0/8\n"
            + "[Rule]\nFrom = !192.168.2.200/32\nProtocol = tcp\nPort = 25\n"));

        Assert.Equal(
        [
            "pref 32757 table main suppress_prefixlength 0",
            "pref 32758 fwmark 51820 goto 32765",
            "pref 32759 from 10.5.0.2/32 table 51820",
            "pref 32760 from 192.168.2.128/25 goto 32763",
            "pref 32761 to 10.0.0.0/8 goto 32763",
            "pref 32762 from 192.168.2.0/24 table 51820",
            "pref 32763 from 192.168.2.200/32 goto 32765",
            "pref 32764 ipproto tcp dport 25 table 51820",
            "pref 32765 nop",
        ], Rules(plan, AddressFamily.InterNetwork));
    }

    [Fact]
    public void Only_local_rules_that_route_by_a_kernel_selector_are_steered_and_the_others_are_said()
    {
        string rules = "[Rule]\nInput = vps\nPort = 80\nProtocol = tcp\n"     // from the tunnel side
            + "[Rule]\nTo = 10.0.0.0/8\nAction = drop\n"                          // not routed
            + "[Rule]\nTo = 10.0.0.0/8\nAction = accept\n"
            + "[Rule]\nTo = 10.0.0.0/8\nSetMark = 0x200\n"                         // marks only
            + "[Rule]\nMark = 0x200\nPeer = vps\n"                                 // a router mark: the kernel cannot see it
            + "[Rule]\nPeer = other\n";                                            // no selector at all
        UpPlan none = Plan(File("Address = 10.5.0.2/32", rules));
        Assert.Null(none.Steering);
        Assert.Null(none.FirewallMark);

        UpPlan some = Plan(File("Address = 10.5.0.2/32", rules + "[Rule]\nTo = 198.51.100.0/24\nPeer = vps\n"));
        Assert.Equal(2, some.Steering!.Skipped.Count);
        Assert.Contains("line", some.Steering.Skipped[0], StringComparison.Ordinal);
        Assert.Contains("Mark 0x200", some.Steering.Skipped[0], StringComparison.Ordinal);
        Assert.Contains("no From, To, Protocol, Port or SourcePort", some.Steering.Skipped[1], StringComparison.Ordinal);
        Assert.Contains("pref 32764 to 198.51.100.0/24 table 51820", Rules(some, AddressFamily.InterNetwork));
        Assert.Equal(5, Rules(some, AddressFamily.InterNetwork).Length);
    }

    [Fact]
    public void The_table_is_the_files_own_number_otherwise_the_first_free_one_that_is_not_the_policy_table()
    {
        const string Rule = "[Rule]\nTo = 198.51.100.0/24\n";
        Assert.Equal(1234u, Plan(File("Address = 10.5.0.2/32\nTable = 1234", Rule)).Steering!.Table);
        Assert.Equal(200u, Plan(File("Address = 10.5.0.2/32\nTable = vpn", Rule)).Steering!.Table);

        // Table = off only keeps the AllowedIPs routes out; steering still gets a table.
        UpPlan off = Plan(File("Address = 10.5.0.2/32\nTable = off", Rule), new FakeRoutingFacts { FreeTable = 51830 });
        Assert.Empty(off.Routes);
        Assert.Equal(51830u, off.Steering!.Table);
        Assert.Contains("Table = off", off.Steering.TableOrigin, StringComparison.Ordinal);

        // Table = main must keep its default route: steering takes a table of its own.
        Assert.Equal(51820u, Plan(File("Address = 10.5.0.2/32\nTable = main", Rule)).Steering!.Table);

        // A policy-routed default route takes 51820 (and marks with it); steering takes the next free table and
        // guards with the same mark.
        UpPlan full = Plan(File("Address = 10.5.0.2/32", Rule,
            "[Peer]\nPublicKey = {0}\nAllowedIPs = 0.0.0.0/0\n[Peer]\nPublicKey = {1}\nAllowedIPs = 10.8.0.0/24\n"));
        Assert.Equal(51820u, full.PolicyTable);
        Assert.Equal(51820u, full.FirewallMark);
        Assert.Equal(51821u, full.Steering!.Table);
        Assert.Equal("pref 32762 fwmark 51820 goto 32765", Rules(full, AddressFamily.InterNetwork)[1]);
        Assert.Equal("pref 32764 to 198.51.100.0/24 table 51821", Rules(full, AddressFamily.InterNetwork)[3]);

        UpPlan noTable = Plan(File("Address = 10.5.0.2/32", Rule), new FakeRoutingFacts { FreeTable = 0 });
        Assert.Null(noTable.Steering);
        Assert.Contains(noTable.Warnings, w => w.Contains("no routing table", StringComparison.Ordinal));
    }

    [Fact]
    public void The_block_takes_the_highest_free_run_of_priorities_below_main()
    {
        Assert.Equal(32761u, SteeringPlanner.PlaceBlock([0, 32766, 32767], 5));
        Assert.Equal(32759u, SteeringPlanner.PlaceBlock([0, 32764, 32765, 32766, 32767], 5));
        Assert.Equal(32758u, SteeringPlanner.PlaceBlock([0, 32757, 32763, 32766], 5));
        Assert.Equal(1u, SteeringPlanner.PlaceBlock([0], 32765));
        Assert.Equal(0u, SteeringPlanner.PlaceBlock([0, 2], 32765));

        var facts = new FakeRoutingFacts();
        facts.RulePriorityList.AddRange([32765, 32764, 32762]);
        UpPlan plan = Plan(File("Address = 10.5.0.2/32", "[Rule]\nTo = 198.51.100.0/24\n"), facts);
        Assert.Equal(["pref 32757 table main suppress_prefixlength 0", "pref 32758 fwmark 51820 goto 32761",
            "pref 32759 from 10.5.0.2/32 table 51820", "pref 32760 to 198.51.100.0/24 table 51820", "pref 32761 nop"],
            Rules(plan, AddressFamily.InterNetwork));
    }

    [Fact]
    public void Without_policy_rules_a_family_is_marked_unavailable_and_an_old_kernel_skips_only_port_rules()
    {
        var facts = new FakeRoutingFacts { IPv6Rules = new RuleSupport(RuleAvailability.Unsupported, Errno.EAFNOSUPPORT, false) };
        UpPlan plan = Plan(File("Address = 10.5.0.2/32, fd05::2/128", "[Rule]\nProtocol = tcp\nPort = 25\n"), facts);
        SteeringFamilyPlan v6 = plan.Steering!.Families.Single(f => f.Family == AddressFamily.InterNetworkV6);
        Assert.Contains("no policy routing for IPv6 (errno 97)", v6.UnavailableReason, StringComparison.Ordinal);
        Assert.Empty(v6.Rules);
        Assert.Null(v6.DefaultRoute);
        Assert.Equal(5, Rules(plan, AddressFamily.InterNetwork).Length);

        var old = new FakeRoutingFacts { IPv4Rules = new RuleSupport(RuleAvailability.Available, Errno.None, false) };
        UpPlan oldPlan = Plan(File("Address = 10.5.0.2/32",
            "[Rule]\nProtocol = tcp\nPort = 25\n[Rule]\nFrom = 192.168.2.0/24\n"), old);
        Assert.Equal(["pref 32761 table main suppress_prefixlength 0", "pref 32762 fwmark 51820 goto 32765",
            "pref 32763 from 10.5.0.2/32 table 51820", "pref 32764 from 192.168.2.0/24 table 51820", "pref 32765 nop"],
            Rules(oldPlan, AddressFamily.InterNetwork));
        Assert.Contains(oldPlan.Steering!.Skipped, s => s.Contains("Linux 4.17", StringComparison.Ordinal));
    }

    [Fact]
    public void Port_65535_which_kernel_rules_cannot_select_is_clamped_off_a_range_and_said()
    {
        UpPlan plan = Plan(File("Address = 10.5.0.2/32",
            "[Rule]\nProtocol = tcp\nPort = 60000-65535\n[Rule]\nProtocol = udp\nSourcePort = 65535\n"));
        Assert.Contains("pref 32764 ipproto tcp dport 60000-65534 table 51820", Rules(plan, AddressFamily.InterNetwork));
        Assert.DoesNotContain(Rules(plan, AddressFamily.InterNetwork), r => r.Contains("udp", StringComparison.Ordinal));
        Assert.Equal(2, plan.Steering!.Skipped.Count);
        Assert.Contains("65535", plan.Steering.Skipped[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Unavailable_rules_are_said_in_one_line_that_tells_what_still_works()
    {
        Assert.Equal("wg7 (IPv6: the kernel has no policy routing for IPv6 (errno 97)): kernel policy rules unavailable; "
            + "rules from the tunnel side still work, source/port steering of local traffic does not",
            QuickUp.RulesUnavailable(Tunnel, "IPv6", "the kernel has no policy routing for IPv6 (errno 97)"));
    }

    [Fact]
    public void Icmp_rules_steer_only_their_own_family()
    {
        UpPlan plan = Plan(File("Address = 10.5.0.2/32, fd05::2/128", "[Rule]\nProtocol = icmp\n[Rule]\nProtocol = icmpv6\n"));
        Assert.Contains("pref 32764 ipproto icmp table 51820", Rules(plan, AddressFamily.InterNetwork));
        Assert.DoesNotContain(Rules(plan, AddressFamily.InterNetwork), r => r.Contains("ipv6-icmp", StringComparison.Ordinal));
        Assert.Contains("pref 32764 ipproto ipv6-icmp table 51820", Rules(plan, AddressFamily.InterNetworkV6));
        Assert.DoesNotContain(Rules(plan, AddressFamily.InterNetworkV6), r => r.Contains("ipproto icmp ", StringComparison.Ordinal));
    }

    [Fact]
    public void When_up_peers_get_no_routes_from_up_but_their_default_route_a_policy_table_and_the_daemon_gets_the_table_for_them()
    {
        string peers = "[Peer]\nPublicKey = {0}\nAllowedIPs = 10.9.0.0/24, 0.0.0.0/0\nRoutes = when-up\n"
            + "[Peer]\nPublicKey = {1}\nAllowedIPs = 10.8.0.0/24\n";
        UpPlan auto = Plan(File("Address = 10.5.0.2/32", "", peers));
        Assert.Equal(["10.8.0.0/24 dev wg7"], auto.Routes.Select(r => r.ToCommandArguments()));
        // The when-up peer's 0.0.0.0/0 gets wg-quick's policy rules and a table of its own, which `up` leaves empty:
        // the daemon routes it into the interface while the peer is live, and the rule falls through to main while not.
        DefaultRoutePlan whenUp = Assert.Single(auto.DefaultRoutes);
        Assert.Equal(DefaultRouteMode.PolicyRules, whenUp.Mode);
        Assert.Null(whenUp.PolicyRoute);
        Assert.Equal((PublicBase64(1), 51820u), (whenUp.WhenUpPeer!.PublicKey.ToBase64(), whenUp.WhenUpPeer.Table));
        Assert.Equal(["not fwmark 51820 table 51820", "table main suppress_prefixlength 0"], whenUp.PolicyRules.Select(r => r.ToCommandArguments()));
        Assert.Equal(51820u, auto.FirewallMark);
        Assert.Equal(51820u, auto.PolicyTable);
        Assert.Equal(IprouteNames.TableMain, auto.WhenUpRouteTable);

        // Without policy rules, it stays the daemon's main-table route (split routes would route it while it is down).
        var noRules = new FakeRoutingFacts { IPv4Rules = new(RuleAvailability.NotPermitted, Errno.EPERM, false) };
        Assert.Empty(Plan(File("Address = 10.5.0.2/32", "", peers), noRules).DefaultRoutes);

        UpPlan numbered = Plan(File("Address = 10.5.0.2/32\nTable = 1234", "", peers));
        Assert.Equal(["10.8.0.0/24 dev wg7 table 1234"], numbered.Routes.Select(r => r.ToCommandArguments()));
        Assert.Equal(1234u, numbered.WhenUpRouteTable);

        Assert.Null(Plan(File("Address = 10.5.0.2/32\nTable = off", "", peers)).WhenUpRouteTable);
    }

    private const string WhenUpPeers = "[Peer]\nPublicKey = {0}\nName = gw\nAllowedIPs = 10.9.0.0/24\nRoutes = when-up\n"
        + "[Peer]\nPublicKey = {1}\nName = other\nAllowedIPs = 10.8.0.0/24\nRoutes = when-up\n";

    [Fact]
    public void Rules_to_a_when_up_peer_look_up_a_table_of_its_own_that_up_leaves_without_routes()
    {
        UpPlan plan = Plan(File("Address = 10.5.0.2/32, fd05::2/128",
            "[Rule]\nProtocol = tcp\nPort = 25\nPeer = gw\n"
            + "[Rule]\nTo = 203.0.113.0/24\n"
            + "[Rule]\nProtocol = tcp\nPort = 587\nPeer = gw\n"
            + "[Rule]\nFrom = 192.168.2.0/24, !192.168.2.128/25\nPeer = other\n", WhenUpPeers));

        SteeringPlan steering = plan.Steering!;
        Assert.Equal(51820u, steering.Table);
        // One table per when-up peer, in the order the rules first name them, none the shared one.
        Assert.Equal([new WhenUpPeerTable(TestKeys.Public(1), "gw", 51821), new WhenUpPeerTable(TestKeys.Public(2), "other", 51822)], steering.WhenUpTables);
        Assert.Equal(
        [
            "pref 32757 table main suppress_prefixlength 0",
            "pref 32758 fwmark 51820 goto 32765",
            "pref 32759 from 10.5.0.2/32 table 51820",
            "pref 32760 ipproto tcp dport 25 table 51821",
            "pref 32761 to 203.0.113.0/24 table 51820",
            "pref 32762 ipproto tcp dport 587 table 51821",
            "pref 32763 from 192.168.2.128/25 goto 32765",
            "pref 32764 from 192.168.2.0/24 table 51822",
            "pref 32765 nop",
        ], Rules(plan, AddressFamily.InterNetwork));
        Assert.Equal(
        [
            "pref 32760 table main suppress_prefixlength 0",
            "pref 32761 fwmark 51820 goto 32765",
            "pref 32762 from fd05::2/128 table 51820",
            "pref 32763 ipproto tcp dport 25 table 51821",
            "pref 32764 ipproto tcp dport 587 table 51821",
            "pref 32765 nop",
        ], Rules(plan, AddressFamily.InterNetworkV6));

        // Each family says which per-peer tables its rules look up (IPv6 has no rule to `other`).
        Assert.Equal([51821u, 51822u], steering.Families[0].WhenUpTables.Select(t => t.Table));
        Assert.Equal([51821u], steering.Families[1].WhenUpTables.Select(t => t.Table));

        // Nothing of `up` goes into a per-peer table: only the shared table gets its default route, no AllowedIPs
        // route of a when-up peer is planned, and no default route.
        Assert.Equal(["0.0.0.0/0 dev wg7 table 51820", "::/0 dev wg7 table 51820"],
            steering.Families.Select(f => f.DefaultRoute!.ToCommandArguments()));
        Assert.Empty(plan.Routes);
        Assert.Empty(plan.DefaultRoutes);
    }

    [Fact]
    public void When_up_tables_skip_the_policy_and_the_steering_table_and_an_always_peer_keeps_the_shared_table()
    {
        string peers = "[Peer]\nPublicKey = {0}\nName = gw\nAllowedIPs = 10.9.0.0/24\nRoutes = when-up\n"
            + "[Peer]\nPublicKey = {1}\nName = vpn\nAllowedIPs = 0.0.0.0/0\n";
        UpPlan plan = Plan(File("Address = 10.5.0.2/32", "[Rule]\nProtocol = tcp\nPort = 25\nPeer = gw\n"
            + "[Rule]\nProtocol = tcp\nPort = 80\nPeer = vpn\n", peers));

        Assert.Equal(51820u, plan.PolicyTable);
        Assert.Equal(51821u, plan.Steering!.Table);
        Assert.Equal([new WhenUpPeerTable(TestKeys.Public(1), "gw", 51822)], plan.Steering.WhenUpTables);
        Assert.Contains("ipproto tcp dport 25 table 51822", Rules(plan, AddressFamily.InterNetwork).Single(r => r.Contains("dport 25", StringComparison.Ordinal)));
        Assert.Contains("ipproto tcp dport 80 table 51821", Rules(plan, AddressFamily.InterNetwork).Single(r => r.Contains("dport 80", StringComparison.Ordinal)));

        // The file's own Table is the shared table; the when-up peer's comes from 51820 up.
        UpPlan numbered = Plan(File("Address = 10.5.0.2/32\nTable = 51820", "[Rule]\nProtocol = tcp\nPort = 25\nPeer = gw\n", peers));
        Assert.Equal(51820u, numbered.Steering!.Table);
        Assert.Equal([51821u], numbered.Steering.WhenUpTables.Select(t => t.Table));
    }

    [Fact]
    public void Without_a_when_up_peer_there_are_no_per_peer_tables()
    {
        UpPlan plan = Plan(File("Address = 10.5.0.2/32", "[Rule]\nProtocol = tcp\nPort = 25\nPeer = vps\n"));
        Assert.Empty(plan.Steering!.WhenUpTables);
        Assert.All(plan.Steering.Families, f => Assert.Empty(f.WhenUpTables));
    }

    [Fact]
    public void The_state_file_keeps_the_when_up_tables_for_the_daemon()
    {
        string directory = TestNames.TempDirectory();
        try
        {
            var store = new QuickStateStore(Path.Combine(directory, "run"));
            var state = new QuickState { Interface = Tunnel };
            state.WhenUpSteering.Add(new StateWhenUpSteering { PublicKey = PublicBase64(1), Family = AddressFamily.InterNetworkV6, Table = 51821 });
            store.Save(state);

            StateWhenUpSteering loaded = Assert.Single(store.Load(Tunnel)!.WhenUpSteering);
            Assert.Equal((PublicBase64(1), AddressFamily.InterNetworkV6, 51821u), (loaded.PublicKey, loaded.Family, loaded.Table));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_state_file_keeps_every_selector_so_down_deletes_exactly_the_steering_rules()
    {
        UpPlan plan = Plan(File("Address = 10.5.0.2/32, fd05::2/128",
            "[Rule]\nFrom = 192.168.2.0/24, !192.168.2.128/25\nProtocol = udp\nSourcePort = 5000-5010\nPort = 53\n"));
        RuleEntry[] rules = [.. plan.Steering!.Families.SelectMany(f => f.Rules)];
        string directory = TestNames.TempDirectory();
        try
        {
            var store = new QuickStateStore(Path.Combine(directory, "run"));
            var state = new QuickState { Interface = Tunnel, SteeringTable = plan.Steering.Table };
            state.Rules.AddRange(rules.Select(r => StateRule.From(r)));
            store.Save(state);

            QuickState loaded = store.Load(Tunnel)!;
            Assert.Equal(51820u, loaded.SteeringTable);
            Assert.Equal(rules, loaded.Rules.Select(r => r.ToRuleEntry()));
            Assert.Contains(rules, r => r.IpProtocol == 17 && r.SourcePorts == new Tun.Net.PortRange(5000, 5010)
                && r.DestinationPorts == Tun.Net.PortRange.Single(53) && r.From == RoutePrefix.Parse("192.168.2.0/24"));
            Assert.Contains(rules, r => r.Action == Tun.Netlink.RuleAction.Goto && r.GotoTarget is not null);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_damaged_port_range_in_the_state_file_is_left_out_rather_than_thrown()
    {
        var rule = new StateRule { Family = AddressFamily.InterNetwork, Priority = 100, Table = 51820, DestinationPorts = "25-x", SourcePorts = "90-80" };
        RuleEntry entry = rule.ToRuleEntry();
        Assert.Null(entry.DestinationPorts);
        Assert.Null(entry.SourcePorts);
        Assert.Equal(100u, entry.Priority);
    }
}
