// Applies an UpPlan in wg-quick's order — daemon, configuration, addresses, MTU and link up, DNS, routes
// (longest prefix first), [Rule] steering, default routes — recording each item in the state file before
// creating it. A default route whose policy rules the kernel refuses half-way falls back to split routes;
// steering the kernel refuses is removed again for that family, with the user told, and `up` goes on.
using System.Net.Sockets;
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Interop;
using WgSharp.Tun.Netlink;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Host;

internal sealed class QuickUp
{
    private readonly RtNetlink _netlink;
    private readonly QuickState _state;
    private readonly QuickStateStore _store;
    private readonly QuickConsole _console;
    private readonly Func<bool> _interrupted;

    public QuickUp(RtNetlink netlink, QuickState state, QuickStateStore store, QuickConsole console, Func<bool> interrupted)
    {
        _netlink = netlink;
        _state = state;
        _store = store;
        _console = console;
        _interrupted = interrupted;
    }

    private string Interface => _state.Interface;

    /// <summary>Errnos of a rule request that mean "no policy routing here" rather than a mistake.</summary>
    internal static bool MeansRulesUnavailable(int errno) =>
        errno is LibC.EPERM or LibC.EACCES or LibC.EAFNOSUPPORT or LibC.EOPNOTSUPP or LibC.ENOSYS or LibC.EPROTONOSUPPORT;

    /// <summary>Installs everything; throws (QuickException, NetlinkException, ...) leaving the state file complete
    /// for the caller's teardown.</summary>
    public void Apply(InterfaceConfig config, UpPlan plan, string configPath)
    {
        foreach (string warning in plan.Warnings)
        {
            _console.Warning(warning);
        }

        StartDaemon();
        Configure(config, configPath);
        int index = _netlink.GetLinkIndex(Interface);
        foreach (RoutePrefix address in plan.Addresses)
        {
            AddAddress(index, address);
        }

        Step();
        _console.Command($"ip link set mtu {plan.Mtu} up dev {Interface}");
        _netlink.SetMtu(index, plan.Mtu);
        _netlink.SetLinkUp(index, true);

        if (config.DnsServers.Count > 0)
        {
            Step();
            _state.ResolvconfInterface = ResolvConf.InterfacePrefix() + Interface; // recorded before, as everything
            Save();
            _state.ResolvconfInterface = ResolvConf.Register(Interface, config.DnsServers, config.DnsSearch, _console);
            Save();
        }

        var covering = new List<RoutePrefix>();
        if (plan.SkipCoveredRoutes)
        {
            covering.AddRange(_netlink.ListRoutes()
                .Where(r => r.OutputInterface == index && r.Table == IprouteNames.TableMain)
                .Select(r => r.Destination));
        }

        foreach (RouteEntry route in plan.Routes)
        {
            if (plan.SkipCoveredRoutes && covering.Any(c => Covers(c, route.Destination)))
            {
                continue;
            }

            AddRoute(route, existingIsForeign: false);
            covering.Add(route.Destination);
        }

        if (plan.Steering is { } steering)
        {
            AddSteering(steering, plan);
        }

        foreach (DefaultRoutePlan defaultRoute in plan.DefaultRoutes)
        {
            AddDefaultRoute(defaultRoute, plan);
        }
    }

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
                AddRoute(family.DefaultRoute!, existingIsForeign: true);
                bool installed = true;
                foreach (RuleEntry rule in family.Rules)
                {
                    AddRule(rule);
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
                && (MeansRulesUnavailable(e.Errno) || e.Errno == LibC.EINVAL))
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

        return _netlink.ListRules(rule.Family).Any(r => r.Priority == rule.Priority && r.Table == rule.Table
            && r.From == rule.From && r.To == rule.To && r.IpProtocol == rule.IpProtocol
            && r.SourcePorts == rule.SourcePorts && r.DestinationPorts == rule.DestinationPorts);
    }

    // The fwmark `up` gives the device (policy-routed default route, or steering), set once.
    private void EnsureFirewallMark(UpPlan plan)
    {
        if (plan.FirewallMark is { } mark && _state.FirewallMark is null)
        {
            Step();
            _state.FirewallMark = mark;
            Save();
            _console.Command($"wg set {Interface} fwmark {mark}");
            using var update = new DeviceUpdate { FirewallMark = mark };
            Uapi(client => client.SetAsync(update));
        }
    }

    /// <summary>Whether a route for <paramref name="route"/> already sends everything in <paramref name="prefix"/> the same way
    /// (`ip route show dev IF match PREFIX` is not empty).</summary>
    internal static bool Covers(RoutePrefix route, RoutePrefix prefix) =>
        route.Family == prefix.Family && route.Length <= prefix.Length && route.Network.Contains(prefix.Address);

    // The daemon gets a directory of its own for its records first (DaemonFiles), then runs as the recorded user.
    private void StartDaemon()
    {
        Step();
        StateDaemonUser user = _state.DaemonUser ?? throw new InvalidOperationException("the daemon's user is chosen before up");
        DaemonFiles.PrepareDirectory(_store.DaemonDirectoryFor(Interface), user);
        _state.Daemon = new StateDaemon();
        Save();
        _console.Command($"{Path.GetFileName(DaemonProcess.Executable)} --user {user.Name} {Interface}");
        DaemonProcess.Start(Interface, user.Name, _console);
        _state.Daemon = DaemonProcess.Find(Interface)
            ?? throw new QuickException($"the daemon for '{Interface}' started but does not answer on {UapiSocket.PathFor(Interface)}");
        Save();
    }

    private void Configure(InterfaceConfig config, string configPath)
    {
        Step();
        _console.Command($"wg setconf {Interface} <(wgsharp strip {configPath})");
        using DeviceUpdate update = config.ToDeviceUpdate();
        Uapi(client => client.SetAsync(update));
    }

    private void Uapi(Func<UapiClient, Task> operation)
    {
        try
        {
            using UapiClient client = UapiClient.ConnectAsync(Interface).GetAwaiter().GetResult();
            operation(client).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is ConfigurationException or SocketException or IOException)
        {
            throw new QuickException($"configuring '{Interface}' through {UapiSocket.PathFor(Interface)} failed: {e.Message}", e);
        }
    }

    private void AddAddress(int index, RoutePrefix address)
    {
        Step();
        _state.Addresses.Add(address.ToString());
        Save();
        _console.Command($"ip {Option(address.Family)} address add {address} dev {Interface}");
        _netlink.AddAddress(index, address);
    }

    /// <summary>Adds and records a route; false when <paramref name="existingIsForeign"/> and it existed already
    /// (someone else's: left alone, not recorded).</summary>
    private bool AddRoute(RouteEntry route, bool existingIsForeign)
    {
        Step();
        var recorded = StateRoute.From(route);
        _state.Routes.Add(recorded);
        Save();
        _console.Command($"ip {Option(route.Destination.Family)} route add {route.ToCommandArguments()}");
        try
        {
            _netlink.AddRoute(route);
            return true;
        }
        catch (NetlinkException e) when (existingIsForeign && e.Errno == LibC.EEXIST)
        {
            _state.Routes.Remove(recorded);
            Save();
            _console.Note($"{route.Destination} already has that route; it stays, and is not removed at down");
            return false;
        }
        catch
        {
            _state.Routes.Remove(recorded);
            Save();
            throw;
        }
    }

    /// <summary>Adds and records a rule with the priority the kernel gave it. An identical existing rule (EEXIST)
    /// belongs to someone else: left alone, not recorded.</summary>
    private void AddRule(RuleEntry rule)
    {
        Step();
        IReadOnlyList<RuleEntry>? before = rule.Priority is null ? _netlink.ListRules(rule.Family) : null;
        var recorded = StateRule.From(rule);
        _state.Rules.Add(recorded);
        Save();
        _console.Command($"ip {Option(rule.Family)} rule add {rule.ToCommandArguments()}");
        try
        {
            _netlink.AddRule(rule);
        }
        catch (NetlinkException e) when (e.Errno == LibC.EEXIST)
        {
            _state.Rules.Remove(recorded);
            Save();
            _console.Note($"an identical rule exists already; it stays, and is not removed at down");
            return;
        }
        catch
        {
            _state.Rules.Remove(recorded);
            Save();
            throw;
        }

        if (before is not null)
        {
            RuleEntry? added = _netlink.ListRules(rule.Family).FirstOrDefault(r => !before.Contains(r) && SameSelector(r, rule));
            recorded.Priority = added?.Priority;
            Save();
        }
    }

    private static bool SameSelector(RuleEntry listed, RuleEntry asked) =>
        listed.Invert == asked.Invert && listed.To == asked.To && listed.FwMark == asked.FwMark
        && listed.Table == asked.Table && listed.SuppressPrefixLength == asked.SuppressPrefixLength
        && listed.InputInterface == asked.InputInterface && listed.Action == asked.Action;

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
            catch (NetlinkException e) when (e.Operation.Contains(" rule ", StringComparison.Ordinal) && MeansRulesUnavailable(e.Errno))
            {
                _console.Warning($"{e.Message} Falling back to split routes for {route.FamilyName}.");
                UndoSince(routes, rules);
                route = route with
                {
                    Mode = DefaultRouteMode.SplitRoutes,
                    SplitReason = $"the kernel refused a policy rule ({e.Errno})",
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
        _console.Note($"{route.FamilyName} default route: policy routing (fwmark {table}, table {table})");
        AddRoute(route.PolicyRoute!, existingIsForeign: false);
        foreach (RuleEntry rule in route.PolicyRules)
        {
            AddRule(rule);
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
        catch (NetlinkException e) when (MeansRulesUnavailable(e.Errno) || e.Errno == LibC.EINVAL)
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

    // Removes (from the kernel and the state) the routes and rules recorded after the given counts.
    private void UndoSince(int routes, int rules)
    {
        var teardown = new QuickTeardown(_netlink, _state, _store, _console);
        while (_state.Rules.Count > rules)
        {
            teardown.RemoveRule(_state.Rules[^1]);
            _state.Rules.RemoveAt(_state.Rules.Count - 1);
        }

        while (_state.Routes.Count > routes)
        {
            teardown.RemoveRoute(_state.Routes[^1]);
            _state.Routes.RemoveAt(_state.Routes.Count - 1);
        }

        Save();
    }

    private void Save() => _store.Save(_state);

    private void Step()
    {
        if (_interrupted())
        {
            throw new QuickException("interrupted");
        }
    }

    internal static string Option(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? "-6" : "-4";
}
