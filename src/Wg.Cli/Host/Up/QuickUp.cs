// Applies an UpPlan in wg-quick's order — daemon, configuration, addresses, MTU and link up, DNS, routes
// (longest prefix first), [Rule] steering, default routes — recording each item in the state file before
// creating it. A default route whose policy rules the kernel refuses half-way falls back to split routes;
// steering the kernel refuses is removed again for that family, with the user told, and `up` goes on.
// The steps are split by concern: QuickUp.Records.cs (every kernel change recorded first), QuickUp.Steering.cs,
// QuickUp.DefaultRoute.cs.
using System.Net.Sockets;
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;
using WgSharp.Tun;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal sealed partial class QuickUp
{
    private readonly RtNetlink _netlink;
    private readonly QuickState _state;
    private readonly QuickStateStore _store;
    private readonly QuickConsole _console;
    private readonly Func<bool> _interrupted;
    private readonly TimeProvider _clock;

    /// <param name="clock">For the teardown of a step that fails half-way.</param>
    public QuickUp(RtNetlink netlink, QuickState state, QuickStateStore store, QuickConsole console, Func<bool> interrupted,
        TimeProvider clock)
    {
        _netlink = netlink;
        _state = state;
        _store = store;
        _console = console;
        _interrupted = interrupted;
        _clock = clock;
    }

    private string Interface => _state.Interface;

    /// <summary>Errnos of a rule request that mean "no policy routing here" rather than a mistake.</summary>
    internal static bool MeansRulesUnavailable(Errno errno) =>
        errno is Errno.EPERM or Errno.EACCES or Errno.EAFNOSUPPORT or Errno.EOPNOTSUPP or Errno.ENOSYS or Errno.EPROTONOSUPPORT;

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
