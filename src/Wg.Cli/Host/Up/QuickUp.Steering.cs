// `up`'s [Rule] steering: per family the steering table's default route and the rule block, each rule read back
// (an old kernel drops selectors silently), the when-up peers' tables recorded for the daemon. A family the kernel
// refuses is removed again, with the user told, and `up` goes on without it.
using WgSharp.Tun;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal sealed partial class QuickUp
{
    private void AddSteering(SteeringPlan steering, UpPlan plan)
    {
        foreach (string skipped in steering.Skipped)
        {
            _console.Warning(skipped);
        }

        foreach (SteeringFamilyPlan family in steering.Families)
        {
            if (family.UnavailableReason is { } why)
            {
                _console.Warning(RulesUnavailable(family.FamilyName, why));
                continue;
            }

            EnsureFirewallMark(plan);
            _state.SteeringTable = steering.Table;
            Save();
            _console.Note($"{family.FamilyName} [Rule] steering: table {steering.Table} ({steering.TableOrigin}), "
                + $"rules {family.Rules[0].Priority}-{family.Rules[^1].Priority}");
            foreach (WhenUpPeerTable whenUp in family.WhenUpTables)
            {
                _console.Note($"{family.FamilyName} [Rule]s to {whenUp.PeerName} (Routes = when-up): table {whenUp.Table}, "
                    + $"routed into {Interface} by the daemon while {whenUp.PeerName} is live");
            }

            int routes = _state.Routes.Count;
            int rules = _state.Rules.Count;
            try
            {
                AddRoute(family.DefaultRoute!, existingIsForeign: true, steering: true);
                bool installed = true;
                foreach (RuleEntry rule in family.Rules)
                {
                    AddRule(rule, steering: true);
                    if (!SelectorsReadBack(rule))
                    {
                        _console.Warning(RulesUnavailable(family.FamilyName,
                            "the kernel dropped the ipproto/sport/dport selectors, as kernels before Linux 4.17 do"));
                        UndoSince(routes, rules);
                        installed = false;
                        break;
                    }
                }

                if (installed)
                {
                    RecordWhenUpTables(family);
                }
            }
            catch (NetlinkException e) when (e.Operation.Contains(" rule ", StringComparison.Ordinal)
                && (MeansRulesUnavailable(e.Errno) || e.Errno == Errno.EINVAL))
            {
                _console.Warning(RulesUnavailable(family.FamilyName, e.Message));
                UndoSince(routes, rules);
            }
        }
    }

    // Tells the daemon (WhenUpRouteKeeper reads the state file) which tables to route into the interface while their
    // peer is live. Recorded once the family's rules are in: the daemon's routes exist only with the link, so there
    // is nothing here for `down` to remove, and a rule without its route just falls through.
    private void RecordWhenUpTables(SteeringFamilyPlan family)
    {
        if (family.WhenUpTables.Count == 0)
        {
            return;
        }

        foreach (WhenUpPeerTable whenUp in family.WhenUpTables)
        {
            _state.WhenUpSteering.Add(new StateWhenUpSteering { PublicKey = whenUp.PublicKey.ToBase64(), Family = family.Family, Table = whenUp.Table });
        }

        Save();
    }

    private string RulesUnavailable(string familyName, string why) => RulesUnavailable(Interface, familyName, why);

    /// <summary>What `up` says when a family's steering cannot be installed; it goes on without it.</summary>
    internal static string RulesUnavailable(string interfaceName, string familyName, string why) =>
        $"{interfaceName} ({familyName}: {why}): kernel policy rules unavailable; rules from the tunnel side still work, "
        + "source/port steering of local traffic does not";

    // An old kernel accepts FRA_IP_PROTO/FRA_SPORT_RANGE/FRA_DPORT_RANGE without knowing them and installs a rule
    // without those selectors, one that would steer far more than asked: reading the rule back is the only proof.
    private bool SelectorsReadBack(RuleEntry rule)
    {
        if (rule.IpProtocol is null && rule.SourcePorts is null && rule.DestinationPorts is null)
        {
            return true;
        }

        return _netlink.ListRules(rule.Family).Any(r => KernelRules.KeptSelectors(r, rule));
    }
}
