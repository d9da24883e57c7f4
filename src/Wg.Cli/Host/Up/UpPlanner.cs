// Decides what `up` installs for a configuration, wg-quick's rules made explicit and testable: the MTU,
// the routes for the allowed IPs (longest prefix first), the table, and for a default route with
// Table = auto either wg-quick's fwmark scheme or, when policy rules cannot be used, split routes; the
// kernel steering of [Rule] sections (SteeringPlanner). `Routes = when-up` peers get no routes here: the
// daemon adds theirs while they are live (WhenUpRouteKeeper).
using System.Net;
using System.Net.Sockets;
using WgSharp.Cli.Configuration;
using WgSharp.Tun;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal static class UpPlanner
{
    /// <summary>wg-quick's margin below the underlay MTU: IPv6 header 40 + UDP 8 + WireGuard 32.</summary>
    public const int TunnelOverhead = 80;

    /// <summary>wg-quick's underlay MTU when neither an endpoint nor a default route tells one.</summary>
    public const int FallbackUnderlayMtu = 1500;

    /// <summary>The net.ipv4 key wg-quick sets for policy routing (so rp_filter can use the packet's mark).</summary>
    public const string SourceValidMarkKey = "net.ipv4.conf.all.src_valid_mark";

    public static UpPlan Plan(InterfaceConfig config, string interfaceName, UpOptions options, IRoutingFacts facts)
    {
        var addresses = config.Addresses.ToList();
        List<IPAddress> endpoints = Endpoints(config);
        (int mtu, string mtuOrigin) = ChooseMtu(config, endpoints, facts);

        var routes = new List<RouteEntry>();
        var defaultFamilies = new List<AddressFamily>();
        foreach (RoutePrefix prefix in OrderedPrefixes(config, includeWhenUp: false))
        {
            switch (config.Table.Mode)
            {
                case RouteTableMode.Off:
                    break;
                case RouteTableMode.Table:
                    routes.Add(KernelRoutes.Through(prefix, interfaceName, config.Table.Id));
                    break;
                case RouteTableMode.Auto when prefix.IsDefault:
                    defaultFamilies.Add(prefix.Family);
                    break;
                default:
                    routes.Add(KernelRoutes.Through(prefix, interfaceName, IprouteNames.TableMain));
                    break;
            }
        }

        // A `Routes = when-up` peer's default route (Table = auto) fails over by policy routing: the same rules as an
        // always-on default route, but its table stays empty until the daemon routes it into the interface while the
        // peer is live; while it is not, the rule's lookup finds nothing and the kernel goes on to main (the WAN). A
        // family an always-on peer routes by default keeps that one.
        var whenUpDefaults = new Dictionary<AddressFamily, PeerConfig>();
        if (config.Table.Mode == RouteTableMode.Auto)
        {
            foreach (PeerConfig peer in config.Peers.Where(p => p.Routes == RoutesPolicy.WhenUp))
            {
                foreach (IPNetwork network in peer.AllowedIps.Where(n => n.PrefixLength == 0))
                {
                    AddressFamily family = network.BaseAddress.AddressFamily;
                    if (!defaultFamilies.Contains(family) && SplitReason(family, endpoints, options, facts) is null)
                    {
                        whenUpDefaults.TryAdd(family, peer);
                    }
                }
            }

            defaultFamilies.AddRange(whenUpDefaults.Keys);
        }

        defaultFamilies.Sort((a, b) => FamilyOrder(a).CompareTo(FamilyOrder(b)));
        var reasons = defaultFamilies.ToDictionary(f => f, f => SplitReason(f, endpoints, options, facts));

        uint? table = null;
        uint? mark = null;
        if (reasons.Values.Any(r => r is null))
        {
            if (config.FirewallMark is { } own and not 0)
            {
                table = own; // wg-quick: the device's fwmark doubles as the table number
            }
            else if (facts.FindFreeTable(RtNetlink.FirstAutomaticTable) is > 0 and var free)
            {
                table = free;
                mark = free;
            }
            else
            {
                foreach (AddressFamily family in defaultFamilies)
                {
                    reasons[family] ??= $"no routing table from {RtNetlink.FirstAutomaticTable} up is free";
                }
            }
        }

        var defaults = new List<DefaultRoutePlan>();
        foreach (AddressFamily family in defaultFamilies)
        {
            DefaultRoutePlan plan = PlanDefault(family, reasons[family], table, config, interfaceName, endpoints, facts);
            if (whenUpDefaults.TryGetValue(family, out PeerConfig? peer))
            {
                if (plan.Mode != DefaultRouteMode.PolicyRules)
                {
                    continue; // no table: the daemon's main-table route, as for any other when-up prefix
                }

                plan = plan with { PolicyRoute = null, EndpointRoutes = [], WhenUpPeer = new WhenUpPeerTable(peer.PublicKey, peer.Name ?? "", table!.Value) };
            }

            defaults.Add(plan);
        }

        var warnings = new List<string>();
        uint? deviceMark = config.FirewallMark is { } fileMark and not 0 ? fileMark : mark;
        SteeringPlan? steering = PlanSteering(config, interfaceName, table, deviceMark, facts, out string? steeringWarning, out uint? steeringMark);
        if (steeringWarning is not null)
        {
            warnings.Add(steeringWarning);
        }

        mark ??= steeringMark;

        return new UpPlan
        {
            InterfaceName = interfaceName,
            Addresses = addresses,
            Mtu = mtu,
            MtuOrigin = mtuOrigin,
            Routes = routes,
            SkipCoveredRoutes = config.Table.Mode == RouteTableMode.Auto,
            DefaultRoutes = defaults,
            FirewallMark = mark,
            PolicyTable = table,
            Steering = steering,
            Warnings = warnings,
            WhenUpRouteTable = config.Table.Mode switch
            {
                RouteTableMode.Off => null,
                RouteTableMode.Table => config.Table.Id,
                _ => IprouteNames.TableMain,
            },
        };
    }

    /// <summary>
    /// The [Rule] steering for <paramref name="config"/> (SteeringPlanner) with the device mark it needs: the
    /// tunnel's own encrypted packets must never match a steering rule (a Protocol = udp or a To covering an endpoint
    /// would loop them into the tunnel), so, as for wg-quick's default route, a device without a mark
    /// (<paramref name="deviceMark"/> null) gets one, the steering table's number (<paramref name="newMark"/>), and
    /// the block lets marked packets pass. `up` and `syncconf` both plan steering through here.
    /// </summary>
    public static SteeringPlan? PlanSteering(InterfaceConfig config, string interfaceName, uint? policyTable, uint? deviceMark,
        IRoutingFacts facts, out string? warning, out uint? newMark)
    {
        newMark = null;
        SteeringPlan? steering = SteeringPlanner.Plan(config, interfaceName, policyTable, deviceMark, facts, out warning);
        if (steering is not null && deviceMark is null && steering.Families.Any(f => f.UnavailableReason is null))
        {
            newMark = steering.Table;
            steering = SteeringPlanner.Plan(config, interfaceName, policyTable, newMark, facts, out _);
        }

        return steering;
    }

    /// <summary>
    /// Every allowed IP once, longest prefix first (wg-quick sorts `wg show allowed-ips` by prefix length,
    /// descending), ties in file order, so a more specific route exists before a covering one is considered.
    /// </summary>
    public static List<RoutePrefix> OrderedPrefixes(InterfaceConfig config, bool includeWhenUp = true)
    {
        var seen = new HashSet<RoutePrefix>();
        var prefixes = new List<RoutePrefix>();
        foreach (PeerConfig peer in config.Peers)
        {
            if (!includeWhenUp && peer.Routes == RoutesPolicy.WhenUp)
            {
                continue;
            }

            foreach (IPNetwork network in peer.AllowedIps)
            {
                var prefix = RoutePrefix.FromNetwork(network);
                if (seen.Add(prefix))
                {
                    prefixes.Add(prefix);
                }
            }
        }

        // OrderByDescending is a stable sort.
        return [.. prefixes.OrderByDescending(p => p.Length)];
    }

    /// <summary>
    /// wg-quick's MTU: the file's MTU; otherwise the largest MTU of the routes to the endpoints, or of the
    /// default route when no endpoint has one, or 1500 — minus 80.
    /// </summary>
    public static (int Mtu, string Origin) ChooseMtu(InterfaceConfig config, IReadOnlyList<IPAddress> endpoints, IRoutingFacts facts)
    {
        if (config.Mtu is { } explicitMtu)
        {
            return (explicitMtu, "MTU in the file");
        }

        int best = 0;
        string origin = "";
        foreach (IPAddress endpoint in endpoints)
        {
            if (facts.RouteTo(endpoint) is { Mtu: > 0 } route && route.Mtu > best)
            {
                best = route.Mtu;
                origin = $"route to {endpoint} (mtu {route.Mtu}) minus {TunnelOverhead}";
            }
        }

        if (best == 0 && facts.DefaultRouteMtu() is { } defaultMtu and > 0)
        {
            best = defaultMtu;
            origin = $"default route (mtu {defaultMtu}) minus {TunnelOverhead}";
        }

        if (best == 0)
        {
            best = FallbackUnderlayMtu;
            origin = $"no route to tell, {FallbackUnderlayMtu} minus {TunnelOverhead}";
        }

        return (best - TunnelOverhead, origin);
    }

    /// <summary>The distinct endpoint addresses (literal or resolved), in peer order.</summary>
    public static List<IPAddress> Endpoints(InterfaceConfig config)
    {
        var endpoints = new List<IPAddress>();
        foreach (PeerConfig peer in config.Peers)
        {
            if (peer.ResolvedEndpoint is { } endpoint)
            {
                IPAddress address = endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address;
                if (!endpoints.Contains(address))
                {
                    endpoints.Add(address);
                }
            }
        }

        return endpoints;
    }

    // Null when policy rules can be used for the family; otherwise why not.
    private static string? SplitReason(AddressFamily family, IReadOnlyList<IPAddress> endpoints, UpOptions options, IRoutingFacts facts)
    {
        if (options.SplitRoutes)
        {
            return "--split-routes was given";
        }

        RuleSupport support = facts.ProbeRules(family);
        if (!support.IsAvailable)
        {
            string why = support.Availability switch
            {
                RuleAvailability.Unsupported => "the kernel has no policy routing for this family",
                RuleAvailability.NotPermitted => "adding policy rules is not permitted here",
                _ => "policy rules cannot be managed",
            };
            return $"{why} (errno {support.Errno.Number()})";
        }

        if (family == AddressFamily.InterNetwork)
        {
            // Strict reverse-path filtering checks an incoming packet's source against the route back to it,
            // which is the tunnel for unmarked lookups. wg-quick restores the mark with firewall connmark rules
            // so the check passes; without a firewall the tunnel's own replies would be dropped. Split routes
            // keep a host route to the endpoint, which passes the check.
            foreach (IPAddress endpoint in endpoints)
            {
                if (endpoint.AddressFamily == family
                    && facts.RouteTo(endpoint) is { OutputInterfaceName: { } device }
                    && facts.ReversePathFilter(device) == 1)
                {
                    return $"rp_filter is strict on {device} (the endpoint's interface), which would drop the tunnel's "
                        + "incoming packets under fwmark routing without firewall connmark rules";
                }
            }
        }

        return null;
    }

    private static DefaultRoutePlan PlanDefault(AddressFamily family, string? splitReason, uint? table, InterfaceConfig config,
        string interfaceName, IReadOnlyList<IPAddress> endpoints, IRoutingFacts facts)
    {
        RouteEntry? policyRoute = null;
        List<RuleEntry> policyRules = [];
        List<RuleEntry> guardRules = [];
        if (table is { } t)
        {
            policyRoute = KernelRoutes.Through(RoutePrefix.Default(family), interfaceName, t);
            policyRules.Add(KernelRules.UnmarkedToTable(family, t));
            policyRules.Add(KernelRules.MainWithoutDefault(family));
            foreach (RoutePrefix address in config.Addresses.Where(a => a.Family == family))
            {
                guardRules.AddRange(KernelRules.TunnelAddressGuard(address.Address, interfaceName));
            }
        }

        var endpointRoutes = new List<RouteEntry>();
        foreach (IPAddress endpoint in endpoints.Where(e => e.AddressFamily == family))
        {
            if (facts.RouteTo(endpoint) is { Type: RouteType.Unicast, OutputInterface: not 0 } route)
            {
                endpointRoutes.Add(KernelRoutes.EndpointHost(endpoint, route.Gateway, route.OutputInterfaceName, route.OutputInterface));
            }
        }

        RouteEntry[] splitRoutes = KernelRoutes.SplitDefault(family, interfaceName);

        return new DefaultRoutePlan
        {
            Family = family,
            Mode = splitReason is null ? DefaultRouteMode.PolicyRules : DefaultRouteMode.SplitRoutes,
            SplitReason = splitReason,
            PolicyRoute = policyRoute,
            PolicyRules = policyRules,
            GuardRules = guardRules,
            SourceValidMarkKey = family == AddressFamily.InterNetwork ? SourceValidMarkKey : null,
            EndpointRoutes = endpointRoutes,
            SplitRoutes = splitRoutes,
        };
    }

    private static int FamilyOrder(AddressFamily family) => family == AddressFamily.InterNetwork ? 0 : 1;
}
