// A topology for one scenario test: named namespaces joined by veth links with the addresses the test
// chooses, wireguard-go routers configured with `wg setconf`, and wgsharp interfaces brought up with
// `wgsharp up`. Owns all of them and tears them down newest first on every exit path.
using System.Globalization;
using System.Net;
using WgSharp.Interop.Tests.Harness;
using WgSharp.Interop.Tests.Quick;

namespace WgSharp.Interop.Tests.Scenarios;

internal sealed class ScenarioNetwork : IDisposable
{
    public const int WireGuardPort = 51820;

    private readonly List<IDisposable> _owned = []; // disposed newest first
    private readonly Dictionary<NetworkNamespace, string> _roles = [];

    public IReadOnlyCollection<NetworkNamespace> Namespaces => _roles.Keys;

    /// <summary>A fresh namespace with loopback up and duplicate address detection off (addresses usable at once,
    /// routing snapshots stable). <paramref name="forwarding"/> sets net.ipv4.ip_forward and IPv6 forwarding.</summary>
    public async Task<NetworkNamespace> AddNamespaceAsync(string role, bool forwarding = false)
    {
        var ns = Own(await NetworkNamespace.CreateAsync().ConfigureAwait(false));
        _roles[ns] = role;
        await ns.ExecCheckedAsync(["sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"]).ConfigureAwait(false);
        await SetForwardingAsync(ns, forwarding).ConfigureAwait(false);
        return ns;
    }

    public string RoleOf(NetworkNamespace ns) => _roles.TryGetValue(ns, out var role) ? $"{role} ({ns})" : ns.Name;

    public static Task SetForwardingAsync(NetworkNamespace ns, bool on) =>
        ns.ExecCheckedAsync(["sysctl", "-qw", $"net.ipv4.ip_forward={(on ? 1 : 0)}", $"net.ipv6.conf.all.forwarding={(on ? 1 : 0)}"]);

    /// <summary>A veth link; addresses are CIDRs, both families required by <see cref="VethPair"/>.</summary>
    public static Task<VethPair> LinkAsync(
        NetworkNamespace a, string aV4, string aV6, NetworkNamespace b, string bV4, string bV6, int mtu = 1500) =>
        VethPair.ConnectAsync(a, b, mtu, aV4, bV4, aV6, bV6);

    /// <summary>`ip route add <paramref name="route"/>` (family from the first argument).</summary>
    public static Task RouteAsync(NetworkNamespace ns, params string[] route) =>
        ns.ExecCheckedAsync(["ip", route[0].Contains(':', StringComparison.Ordinal) ? "-6" : "-4", "route", "add", .. route]);

    /// <summary>Default routes of both families via the given gateways.</summary>
    public static async Task DefaultViaAsync(NetworkNamespace ns, VethEnd gateway)
    {
        await RouteAsync(ns, "default", "via", gateway.V4.ToString()).ConfigureAwait(false);
        await ns.ExecCheckedAsync(["ip", "-6", "route", "add", "default", "via", gateway.V6.ToString()]).ConfigureAwait(false);
    }

    /// <summary>A wireguard-go router in <paramref name="ns"/>: `wg setconf` with <paramref name="setconf"/>
    /// (wg(8) format, no wg-quick keys), the tunnel addresses, MTU 1420, link up.</summary>
    public async Task<WireGuardPeer> StartReferenceAsync(NetworkNamespace ns, string setconf, params string[] addresses)
    {
        var peer = Own(await WireGuardPeer.StartAsync(Implementation.WireguardGo, ns).ConfigureAwait(false));
        await peer.SetConfAsync(setconf).ConfigureAwait(false);
        foreach (var address in addresses)
        {
            await peer.AddAddressAsync(address).ConfigureAwait(false);
        }

        await peer.SetLinkUpAsync(1420).ConfigureAwait(false);
        return peer;
    }

    /// <summary>Stops a reference router this network owns (SIGTERM, then SIGKILL): its TUN interface goes.</summary>
    public void Stop(WireGuardPeer peer)
    {
        peer.Dispose();
        _owned.Remove(peer);
    }

    /// <summary>A wgsharp interface in <paramref name="ns"/> whose file is <paramref name="config"/> (given the interface name).</summary>
    public QuickInterface NewInterface(NetworkNamespace ns, Func<string, string> config) => Own(QuickInterface.Create(ns, config));

    /// <summary>Fails unless no namespace of this network has kernel firewall tables or conntrack entries.</summary>
    public async Task AssertNoKernelFirewallOrNatAsync()
    {
        foreach (var ns in _roles.Keys)
        {
            await NetfilterState.AssertNoKernelFirewallOrNatAsync(ns).ConfigureAwait(false);
        }
    }

    public T Own<T>(T resource)
        where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    public static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    public static IPAddress Ip(string address) => IPAddress.Parse(address);

    public void Dispose()
    {
        Exception? first = null;
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            try
            {
                _owned[i].Dispose();
            }
            catch (Exception e)
            {
                first ??= e;
            }
        }

        _owned.Clear();
        if (first is not null)
        {
            throw first;
        }
    }
}
