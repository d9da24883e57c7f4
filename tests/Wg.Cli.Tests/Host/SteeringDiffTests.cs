// `syncconf`'s re-plan of the [Rule] steering: planned against the machine as if the interface's own recorded
// steering were not there (ReplanRoutingFacts), an unchanged file changes nothing, a changed rule adds and removes
// exactly the rules that differ, no rules remove the whole block, and what is not steering is never touched.
using System.Net.Sockets;
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Host;
using static WgSharp.Cli.Tests.Config.ConfigTestKeys;

namespace WgSharp.Cli.Tests.Quick;

public class SteeringDiffTests
{
    private const string Tunnel = "wg7";

    private static string File(string rules) =>
        Interface + "Address = 10.5.0.2/32\n"
        + $"[Peer]\nPublicKey = {PublicBase64(1)}\nName = vps\nAllowedIPs = 10.9.0.0/24\nEndpoint = 198.51.100.7:51820\n"
        + $"[Peer]\nPublicKey = {PublicBase64(2)}\nName = backup\nAllowedIPs = 10.8.0.0/24\nRoutes = when-up\n"
        + rules;

    private static SteeringPlan? Steering(string text, IRoutingFacts facts, uint? deviceMark)
    {
        using InterfaceConfig config = ParseValid(text);
        return UpPlanner.PlanSteering(config, Tunnel, policyTable: null, deviceMark, facts, out _, out _);
    }

    // What `up` records for a plan (rules and route marked as steering), next to a rule that is not steering.
    private static QuickState Recorded(SteeringPlan plan)
    {
        var state = new QuickState { Interface = Tunnel, SteeringTable = plan.Table, FirewallMark = plan.Table };
        state.Rules.Add(StateRule.From(KernelRules.UnmarkedToTable(AddressFamily.InterNetwork, 51900) with { Priority = 30000 }));
        foreach (SteeringFamilyPlan family in plan.Families)
        {
            state.Routes.Add(StateRoute.From(family.DefaultRoute!, steering: true));
            state.Rules.AddRange(family.Rules.Select(r => StateRule.From(r, steering: true)));
            state.WhenUpSteering.AddRange(family.WhenUpTables.Select(t =>
                new StateWhenUpSteering { PublicKey = t.PublicKey.ToBase64(), Family = family.Family, Table = t.Table }));
        }

        return state;
    }

    // The kernel with that steering installed: its priorities and tables taken.
    private static FakeRoutingFacts Installed(QuickState state)
    {
        var facts = new FakeRoutingFacts { FreeTable = state.WhenUpSteering.Select(w => w.Table).Append(state.SteeringTable!.Value).Max() + 1 };
        facts.RulePriorityList.AddRange(state.Rules.Select(r => r.Priority!.Value));
        return facts;
    }

    private static (QuickState State, SteeringDiff Diff) Replan(string before, string after)
    {
        SteeringPlan first = Steering(before, new FakeRoutingFacts(), deviceMark: null)!;
        QuickState state = Recorded(first);
        var facts = new ReplanRoutingFacts(Installed(state), state);
        return (state, SteeringDiff.Compute(state, Steering(after, facts, state.FirewallMark)));
    }

    [Fact]
    public void An_unchanged_rule_set_changes_nothing_in_the_kernel()
    {
        const string rules = "[Rule]\nProtocol = tcp\nPort = 25\nPeer = vps\n[Rule]\nTo = 203.0.113.0/24\nPeer = backup\n";
        (QuickState state, SteeringDiff diff) = Replan(File(rules), File(rules));

        Assert.False(diff.ChangesKernel);
        Assert.Equal(state.SteeringTable, diff.SteeringTable);
        Assert.Equal(state.WhenUpSteering.Select(w => (w.PublicKey, w.Family, w.Table)),
            diff.WhenUpSteering.Select(w => (w.PublicKey, w.Family, w.Table)));
    }

    [Fact]
    public void A_changed_port_adds_the_new_rule_and_removes_only_the_old_one()
    {
        (QuickState state, SteeringDiff diff) = Replan(File("[Rule]\nProtocol = tcp\nPort = 25\nPeer = vps\n"),
            File("[Rule]\nProtocol = tcp\nPort = 587\nPeer = vps\n"));

        Assert.Equal(["pref 32764 ipproto tcp dport 587 table 51820"], diff.AddRules.Select(r => r.ToCommandArguments()));
        Assert.Equal(["pref 32764 ipproto tcp dport 25 table 51820"], diff.RemoveRules.Select(r => r.ToRuleEntry().ToCommandArguments()));
        Assert.Empty(diff.AddRoutes);
        Assert.Empty(diff.RemoveRoutes);
        Assert.All(diff.RemoveRules, r => Assert.Contains(r, state.Rules));
    }

    [Fact]
    public void A_new_rule_grows_the_block_downwards_keeping_the_landing_the_gotos_point_at()
    {
        (_, SteeringDiff diff) = Replan(File("[Rule]\nProtocol = tcp\nPort = 25\nPeer = vps\n"),
            File("[Rule]\nProtocol = tcp\nPort = 25\nPeer = vps\n[Rule]\nTo = 203.0.113.0/24\nPeer = backup\n"));

        // The block ends just above `lookup main`, so it grows downwards: the rules above the landing move one
        // priority each and are new; the landing the gotos point at stays; the when-up peer's table is recorded.
        Assert.Equal(
        [
            "pref 32760 table main suppress_prefixlength 0",
            "pref 32761 fwmark 51820 goto 32765",
            "pref 32762 from 10.5.0.2/32 table 51820",
            "pref 32763 ipproto tcp dport 25 table 51820",
            "pref 32764 to 203.0.113.0/24 table 51821",
        ], diff.AddRules.Select(r => r.ToCommandArguments()));
        Assert.Equal(
        [
            "pref 32761 table main suppress_prefixlength 0",
            "pref 32762 fwmark 51820 goto 32765",
            "pref 32763 from 10.5.0.2/32 table 51820",
            "pref 32764 ipproto tcp dport 25 table 51820",
        ], diff.RemoveRules.Select(r => r.ToRuleEntry().ToCommandArguments()));
        Assert.Empty(diff.AddRoutes);
        Assert.Equal(51821u, Assert.Single(diff.WhenUpSteering).Table);
    }

    [Fact]
    public void No_steering_rule_left_removes_the_block_and_its_route_but_nothing_else()
    {
        (QuickState state, SteeringDiff diff) = Replan(File("[Rule]\nProtocol = tcp\nPort = 25\nPeer = vps\n"), File(""));

        Assert.False(diff.AddRules.Count > 0 || diff.AddRoutes.Count > 0);
        Assert.Equal(state.Rules.Where(r => r.Steering), diff.RemoveRules);
        Assert.Equal(state.Routes, diff.RemoveRoutes);
        Assert.DoesNotContain(diff.RemoveRules, r => r.Table == 51900);
        Assert.Null(diff.SteeringTable);
        Assert.Empty(diff.WhenUpSteering);
    }

    [Fact]
    public void The_replan_facts_free_only_the_interfaces_own_priorities_and_tables()
    {
        var state = new QuickState { Interface = Tunnel, SteeringTable = 51822 };
        state.Rules.Add(new StateRule { Family = AddressFamily.InterNetwork, Priority = 32765, Steering = true, Table = 51822 });
        state.Rules.Add(new StateRule { Family = AddressFamily.InterNetwork, Priority = 32764, Table = 51822 });
        var kernel = new FakeRoutingFacts { FreeTable = 51830 };
        kernel.RulePriorityList.AddRange([32765, 32765, 32764]); // another interface's rule shares 32765

        var facts = new ReplanRoutingFacts(kernel, state);

        Assert.Equal([0u, 32766, 32767, 32765, 32764], facts.RulePriorities(AddressFamily.InterNetwork));
        Assert.Equal(51822u, facts.FindFreeTable(51820));
        Assert.Equal(51830u, facts.FindFreeTable(51823));
    }
}
