// `syncconf`'s re-plan of the [Rule] steering, in two halves around the daemon's update so that nothing is ever
// without a route and nothing stays half-applied: first the new rules and routes are added (recorded first, as at
// `up`; any failure removes what this added and throws), then, once the daemon took the new configuration, the old
// ones are removed and the state records the new plan. When the daemon refuses, the additions are undone instead.
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal sealed partial class QuickUp
{
    private int _replanRoutes;
    private int _replanRules;

    /// <summary>Adds the rules and routes <paramref name="diff"/> adds; throws (QuickException, NetlinkException)
    /// after removing whatever it added.</summary>
    public void AddSteeringChanges(SteeringDiff diff)
    {
        _replanRoutes = _state.Routes.Count;
        _replanRules = _state.Rules.Count;
        try
        {
            foreach (RouteEntry route in diff.AddRoutes)
            {
                AddRoute(route, existingIsForeign: true, steering: true);
            }

            foreach (RuleEntry rule in diff.AddRules)
            {
                AddRule(rule, steering: true);
                if (!SelectorsReadBack(rule))
                {
                    throw new QuickException($"the kernel dropped the ipproto/sport/dport selectors of `{rule.ToCommandArguments()}', "
                        + "as kernels before Linux 4.17 do");
                }
            }
        }
        catch
        {
            UndoSteeringChanges();
            throw;
        }
    }

    /// <summary>Removes what <see cref="AddSteeringChanges"/> added (the daemon refused the configuration).</summary>
    public void UndoSteeringChanges() => UndoSince(_replanRoutes, _replanRules);

    /// <summary>Removes the rules and routes the new plan no longer has and records the plan's tables; what cannot be
    /// removed is reported (and stays recorded for `down`).</summary>
    public void RemoveOldSteering(SteeringDiff diff, uint? firewallMark)
    {
        foreach (StateRule rule in diff.RemoveRules.Reverse())
        {
            var teardown = new QuickTeardown(_netlink, _state, _store, _console, _clock);
            teardown.RemoveRule(rule);
            if (teardown.Complete)
            {
                _state.Rules.Remove(rule);
            }
            else
            {
                rule.Steering = false; // no longer the plan's, still `down`'s to remove
            }
        }

        foreach (StateRoute route in diff.RemoveRoutes.Reverse())
        {
            var teardown = new QuickTeardown(_netlink, _state, _store, _console, _clock);
            teardown.RemoveRoute(route);
            if (teardown.Complete)
            {
                _state.Routes.Remove(route);
            }
            else
            {
                route.Steering = false;
            }
        }

        _state.SteeringTable = diff.SteeringTable;
        // A when-up peer's default route table (the policy table) is not steering: it stays.
        _state.WhenUpSteering = [.. _state.WhenUpSteering.Where(w => w.Table == _state.PolicyTable), .. diff.WhenUpSteering];
        _state.FirewallMark ??= firewallMark;
        Save();
    }
}
