// What `syncconf` changes in the kernel to bring the [Rule] steering `up` recorded to a new plan: the rules and
// steering-table routes the plan has and the record lacks are added, those the record has and the plan lacks are
// removed, and those in both stay untouched (so an unchanged [Rule] set changes nothing in the kernel).
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal sealed record SteeringDiff
{
    /// <summary>Rules to add, in the plan's order (priority order within a family, IPv4 first).</summary>
    public required IReadOnlyList<RuleEntry> AddRules { get; init; }

    /// <summary>Steering-table default routes to add.</summary>
    public required IReadOnlyList<RouteEntry> AddRoutes { get; init; }

    /// <summary>Recorded rules the plan no longer has.</summary>
    public required IReadOnlyList<StateRule> RemoveRules { get; init; }

    /// <summary>Recorded steering routes the plan no longer has.</summary>
    public required IReadOnlyList<StateRoute> RemoveRoutes { get; init; }

    /// <summary>The when-up peers' tables the daemon is to route while their peer is live, as the state records them.</summary>
    public required IReadOnlyList<StateWhenUpSteering> WhenUpSteering { get; init; }

    /// <summary>The steering table of the plan; null when it steers nothing.</summary>
    public uint? SteeringTable { get; init; }

    public bool ChangesKernel => AddRules.Count > 0 || AddRoutes.Count > 0 || RemoveRules.Count > 0 || RemoveRoutes.Count > 0;

    /// <summary>
    /// The difference between the steering <paramref name="state"/> records (its rules and routes marked as steering)
    /// and <paramref name="plan"/> (null: nothing to steer). Families the plan cannot install (policy rules
    /// unavailable) contribute nothing, as at `up`. Entries are compared as the state file stores them.
    /// </summary>
    public static SteeringDiff Compute(QuickState state, SteeringPlan? plan)
    {
        var desiredRules = new List<RuleEntry>();
        var desiredRoutes = new List<RouteEntry>();
        var whenUp = new List<StateWhenUpSteering>();
        foreach (SteeringFamilyPlan family in plan?.Families ?? [])
        {
            if (family.UnavailableReason is not null || family.DefaultRoute is null)
            {
                continue;
            }

            desiredRoutes.Add(family.DefaultRoute);
            desiredRules.AddRange(family.Rules);
            whenUp.AddRange(family.WhenUpTables.Select(t =>
                new StateWhenUpSteering { PublicKey = t.PublicKey.ToBase64(), Family = family.Family, Table = t.Table }));
        }

        List<RuleEntry> recordedRules = [.. state.Rules.Where(r => r.Steering).Select(r => r.ToRuleEntry())];
        List<RouteEntry> recordedRoutes = [.. state.Routes.Where(r => r.Steering).Select(r => r.ToRouteEntry())];
        List<RuleEntry> wantedRules = [.. desiredRules.Select(r => StateRule.From(r).ToRuleEntry())];
        List<RouteEntry> wantedRoutes = [.. desiredRoutes.Select(r => StateRoute.From(r).ToRouteEntry())];

        return new SteeringDiff
        {
            AddRules = [.. desiredRules.Where((_, i) => !recordedRules.Contains(wantedRules[i]))],
            AddRoutes = [.. desiredRoutes.Where((_, i) => !recordedRoutes.Contains(wantedRoutes[i]))],
            RemoveRules = [.. state.Rules.Where(r => r.Steering && !wantedRules.Contains(r.ToRuleEntry()))],
            RemoveRoutes = [.. state.Routes.Where(r => r.Steering && !wantedRoutes.Contains(r.ToRouteEntry()))],
            WhenUpSteering = whenUp,
            SteeringTable = desiredRoutes.Count > 0 ? plan!.Table : null,
        };
    }
}
