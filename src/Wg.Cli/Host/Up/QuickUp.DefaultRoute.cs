// `up`'s default route of one family: wg-quick's fwmark policy rules with the tunnel address guard, or split
// routes with host routes to the endpoints; policy rules the kernel refuses half-way fall back to split routes.
using WgSharp.Tun;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal sealed partial class QuickUp
{
    private void AddDefaultRoute(DefaultRoutePlan route, UpPlan plan)
    {
        if (route.Mode == DefaultRouteMode.PolicyRules)
        {
            int routes = _state.Routes.Count;
            int rules = _state.Rules.Count;
            try
            {
                AddPolicyDefaultRoute(route, plan);
                return;
            }
            catch (NetlinkException e) when (e.Operation.Contains(" rule ", StringComparison.Ordinal) && MeansRulesUnavailable(e.Errno)
                && route.WhenUpPeer is { } whenUp)
            {
                // Split routes would route the peer also while it is not live: the daemon's main-table route instead.
                _console.Warning($"{e.Message} The {route.FamilyName} default route of {whenUp.PeerName} goes into the main table while it is live.");
                UndoSince(routes, rules);
                return;
            }
            catch (NetlinkException e) when (e.Operation.Contains(" rule ", StringComparison.Ordinal) && MeansRulesUnavailable(e.Errno))
            {
                _console.Warning($"{e.Message} Falling back to split routes for {route.FamilyName}.");
                UndoSince(routes, rules);
                route = route with
                {
                    Mode = DefaultRouteMode.SplitRoutes,
                    SplitReason = $"the kernel refused a policy rule ({e.Errno.Number()})",
                };
            }
        }

        AddSplitDefaultRoute(route);
    }

    private void AddPolicyDefaultRoute(DefaultRoutePlan route, UpPlan plan)
    {
        uint table = plan.PolicyTable!.Value;
        EnsureFirewallMark(plan);

        _state.PolicyTable = table;
        if (route.WhenUpPeer is { } whenUp)
        {
            _console.Note($"{route.FamilyName} default route of {whenUp.PeerName} (Routes = when-up): policy routing (fwmark {table}, "
                + $"table {table}), routed into {Interface} by the daemon while {whenUp.PeerName} is live");
        }
        else
        {
            _console.Note($"{route.FamilyName} default route: policy routing (fwmark {table}, table {table})");
            AddRoute(route.PolicyRoute!, existingIsForeign: false);
        }

        foreach (RuleEntry rule in route.PolicyRules)
        {
            AddRule(rule);
        }

        if (route.WhenUpPeer is { } peer)
        {
            _state.WhenUpSteering.Add(new StateWhenUpSteering { PublicKey = peer.PublicKey.ToBase64(), Family = route.Family, Table = peer.Table });
            Save();
        }

        AddGuard(route);
        _state.DefaultRoutes.Add(new StateDefaultRoute { Family = route.Family, Mode = DefaultRouteMode.PolicyRules });
        Save();

        if (route.SourceValidMarkKey is { } key)
        {
            Step();
            _state.Sysctls.Add(key);
            Save();
            if (!new SharedSysctl(_store, _console).Acquire(key, "1", Interface, _state.NetworkNamespace))
            {
                _state.Sysctls.Remove(key);
                Save();
            }
        }
    }

    // The guard is best effort, like wg-quick's firewall rule on a machine without iptables: a kernel that
    // refuses it leaves the tunnel working and the user told.
    private void AddGuard(DefaultRoutePlan route)
    {
        if (route.GuardRules.Count == 0)
        {
            return;
        }

        using IDisposable shared = _store.LockShared();
        int rules = _state.Rules.Count;
        try
        {
            foreach (RuleEntry rule in route.GuardRules)
            {
                AddRule(rule);
            }

            bool moved = TunnelAddressGuard.MoveLocalRuleBehind(_netlink, route.Family, _console, move =>
            {
                _state.LocalRuleMoves.Add(move);
                Save();
            });
            if (!moved)
            {
                _console.Warning($"the {route.FamilyName} local rule has no protocol of its own and comes after other "
                    + "priority-0 rules: cannot place the tunnel address guard before it; packets for the tunnel "
                    + "address arriving on other interfaces are accepted");
                UndoSince(_state.Routes.Count, rules);
            }
        }
        catch (NetlinkException e) when (MeansRulesUnavailable(e.Errno) || e.Errno == Errno.EINVAL)
        {
            _console.Warning($"tunnel address guard not installed ({e.Message})");
            foreach (StateLocalRuleMove move in _state.LocalRuleMoves.Where(m => m.Family == route.Family).ToArray())
            {
                TunnelAddressGuard.Restore(_netlink, move, _console);
                _state.LocalRuleMoves.Remove(move);
            }

            UndoSince(_state.Routes.Count, rules);
        }
    }

    private void AddSplitDefaultRoute(DefaultRoutePlan route)
    {
        _console.Note($"{route.FamilyName} default route: split routes {route.SplitRoutes[0].Destination} + "
            + $"{route.SplitRoutes[1].Destination} with host routes to the endpoints ({route.SplitReason})");
        _state.DefaultRoutes.Add(new StateDefaultRoute { Family = route.Family, Mode = DefaultRouteMode.SplitRoutes, Reason = route.SplitReason });
        Save();
        // Host routes first: from the moment the halves exist, the endpoints must already bypass them.
        foreach (RouteEntry endpoint in route.EndpointRoutes)
        {
            AddRoute(endpoint, existingIsForeign: true);
        }

        foreach (RouteEntry half in route.SplitRoutes)
        {
            AddRoute(half, existingIsForeign: false);
        }
    }
}
