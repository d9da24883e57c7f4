// Removes what a state file lists, in wg-quick's order for `down` (DNS, rules, the daemon with its
// interface, then what lives outside the interface), tolerating items that are already gone: after
// `kill -9` of the daemon the interface, its addresses and its routes have vanished, while rules, endpoint
// host routes, the sysctl and the DNS record are still there. Also undoes a failed `up`.
using WgSharp.Tun;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal sealed class QuickTeardown
{
    private readonly RtNetlink _netlink;
    private readonly QuickState _state;
    private readonly QuickStateStore _store;
    private readonly QuickConsole _console;
    private readonly TimeProvider _clock;
    private bool _complete = true;

    /// <param name="clock">Bounds the waits for the daemon's exit and its interface's removal.</param>
    public QuickTeardown(RtNetlink netlink, QuickState state, QuickStateStore store, QuickConsole console, TimeProvider clock)
    {
        _netlink = netlink;
        _state = state;
        _store = store;
        _console = console;
        _clock = clock;
    }

    private string Interface => _state.Interface;

    /// <summary>Removes everything and, when nothing failed, the state file. Returns false (the state file kept
    /// for another try) when something could not be removed.</summary>
    public bool Run()
    {
        if (_state.ResolvconfInterface is { } record && !ResolvConf.Unregister(record, _console))
        {
            _complete = false;
        }

        for (int i = _state.Rules.Count - 1; i >= 0; i--)
        {
            RemoveRule(_state.Rules[i]);
        }

        if (_state.LocalRuleMoves.Count > 0)
        {
            using IDisposable shared = _store.LockShared();
            foreach (StateLocalRuleMove move in _state.LocalRuleMoves)
            {
                Tolerate(() => TunnelAddressGuard.Restore(_netlink, move, _console));
            }
        }

        if (_state.Daemon is not null || _netlink.TryGetLink(Interface) is not null)
        {
            if (!DaemonProcess.Stop(Interface, _state.Daemon, _console, _clock))
            {
                _complete = false;
            }

            WaitForLinkToVanish();
        }

        RemoveDaemonRoutes();
        bool linkExists = _netlink.TryGetLink(Interface) is not null;
        for (int i = _state.Routes.Count - 1; i >= 0; i--)
        {
            StateRoute route = _state.Routes[i];
            if (linkExists || route.Device != Interface)
            {
                RemoveRoute(route);
            }
        }

        if (linkExists && _netlink.TryGetLink(Interface) is { } link)
        {
            foreach (string address in _state.Addresses)
            {
                RoutePrefix prefix = RoutePrefix.Parse(address);
                _console.Command($"ip {QuickUp.Option(prefix.Family)} address del {prefix} dev {Interface}");
                Tolerate(() => _netlink.DeleteAddress(link.Index, prefix));
            }
        }

        if (_state.Sysctls.Count > 0)
        {
            var sysctl = new SharedSysctl(_store, _console);
            foreach (string key in _state.Sysctls)
            {
                // Our own state file still exists here, so the registry counts this interface until released.
                sysctl.Release(key, Interface, _state.NetworkNamespace);
            }
        }

        if (_complete)
        {
            _store.Delete(Interface);
        }
        else
        {
            _console.Warning($"not everything could be removed; {_store.PathFor(Interface)} is kept: run `wgsharp down {Interface}` again");
        }

        return _complete;
    }

    // The endpoint host routes the daemon recorded in its own directory (read once it has stopped, so the list is
    // final): only host routes outside the interface are taken from that file, which its user could have written.
    private void RemoveDaemonRoutes()
    {
        if (_state.DaemonUser is not { } user)
        {
            return;
        }

        var problems = new List<string>();
        List<StateRoute> routes = DaemonFiles.ReadAddedRoutes(_store.DaemonDirectoryFor(Interface), user.Uid, Interface, problems);
        foreach (string problem in problems)
        {
            _console.Warning(problem);
        }

        for (int i = routes.Count - 1; i >= 0; i--)
        {
            RemoveRoute(routes[i]);
        }
    }

    /// <summary>False once a removal failed other than by the item being gone already.</summary>
    public bool Complete => _complete;

    public void RemoveRule(StateRule rule)
    {
        RuleEntry entry = rule.ToRuleEntry();
        _console.Command($"ip {QuickUp.Option(entry.Family)} rule del {entry.ToCommandArguments()}");
        Tolerate(() => _netlink.DeleteRule(entry));
    }

    public void RemoveRoute(StateRoute route)
    {
        RouteEntry entry = route.ToRouteEntry();
        _console.Command($"ip {QuickUp.Option(entry.Destination.Family)} route del {entry.ToCommandArguments()}");
        Tolerate(() => _netlink.DeleteRoute(entry));
    }

    // The daemon deletes its TUN interface as it exits; the kernel removes the interface's addresses and routes
    // with it. Waiting a moment keeps the route removal below from racing that.
    private void WaitForLinkToVanish()
    {
        long started = _clock.GetTimestamp();
        while (_netlink.TryGetLink(Interface) is not null && _clock.GetElapsedTime(started) < TimeSpan.FromSeconds(3))
        {
            Thread.Sleep(20);
        }
    }

    // "Already gone" is success; anything else is reported and makes the teardown incomplete.
    private void Tolerate(Action remove)
    {
        try
        {
            remove();
        }
        catch (NetlinkException e) when (e.Errno is Errno.ENOENT or Errno.ESRCH or Errno.ENODEV or Errno.EADDRNOTAVAIL)
        {
            // already gone
        }
        catch (NetlinkException e)
        {
            _console.Warning(e.Message);
            _complete = false;
        }
    }
}
