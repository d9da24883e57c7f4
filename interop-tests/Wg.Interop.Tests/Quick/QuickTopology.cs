// Three namespaces for `wgsharp up` tests: a client, a wireguard-go server and an "internet" host behind
// it. The server's endpoint 203.0.113.1 sits on its loopback, one gateway hop from the client (whose
// default routes point at the server's veth), so an endpoint host route has a gateway to keep. The server
// forwards without NAT; the internet host routes only the tunnel prefixes back to it, so it can answer the
// client only when the client's packets came through the tunnel.
using System.Globalization;
using System.Net;
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Quick;

internal sealed class QuickTopology : IDisposable
{
    public const int ServerPort = 51820;

    public static readonly IPAddress ServerEndpoint = IPAddress.Parse("203.0.113.1");
    public static readonly IPAddress ServerGateway = IPAddress.Parse("192.0.2.2");
    public static readonly IPAddress ServerTunnelV4 = IPAddress.Parse("10.8.0.1");
    public static readonly IPAddress ServerTunnelV6 = IPAddress.Parse("fd08::1");
    public static readonly IPAddress InternetV4 = IPAddress.Parse("198.51.100.2");
    public static readonly IPAddress InternetV6 = IPAddress.Parse("2001:db8:2::2");

    private readonly List<IDisposable> _owned = [];

    private QuickTopology()
    {
    }

    public NetworkNamespace Client { get; private set; } = null!;

    public NetworkNamespace Server { get; private set; } = null!;

    public NetworkNamespace Internet { get; private set; } = null!;

    public VethPair ClientLink { get; private set; } = null!;

    public WireGuardPeer ServerPeer { get; private set; } = null!;

    public KeyPair ServerKeys { get; private set; } = null!;

    /// <summary>One key pair per client interface the server knows; client i has 10.8.0.(2+i) and fd08::(2+i).</summary>
    public IReadOnlyList<KeyPair> ClientKeys { get; private set; } = [];

    public static async Task<QuickTopology> CreateAsync(int clients = 1)
    {
        var topology = new QuickTopology();
        try
        {
            await topology.BuildAsync(clients).ConfigureAwait(false);
            return topology;
        }
        catch
        {
            topology.Dispose();
            throw;
        }
    }

    public static IPAddress ClientTunnelV4(int client = 0) => IPAddress.Parse($"10.8.0.{2 + client}");

    public static IPAddress ClientTunnelV6(int client = 0) => IPAddress.Parse($"fd08::{2 + client}");

    /// <summary>A client configuration for interface <paramref name="client"/>: its key, tunnel addresses, the
    /// server as peer with <paramref name="allowedIps"/>, plus extra [Interface] lines.</summary>
    public string ClientConfig(string allowedIps, string interfaceLines = "", int client = 0) => $"""
        [Interface]
        PrivateKey = {ClientKeys[client].PrivateKey}
        Address = {ClientTunnelV4(client)}/32, {ClientTunnelV6(client)}/128
        {interfaceLines}

        [Peer]
        PublicKey = {ServerKeys.PublicKey}
        Endpoint = {ServerEndpoint}:{ServerPort}
        AllowedIPs = {allowedIps}
        PersistentKeepalive = 25
        """;

    public QuickInterface NewInterface(string allowedIps, string interfaceLines = "", int client = 0)
    {
        var created = QuickInterface.Create(Client, _ => ClientConfig(allowedIps, interfaceLines, client));
        _owned.Add(created);
        return created;
    }

    public void Dispose()
    {
        // Interfaces first (their `down` runs in the client namespace), then the daemon, then the namespaces;
        // one failing does not keep the rest alive.
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

        if (first is not null)
        {
            throw first;
        }
    }

    private T Own<T>(T resource)
        where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    private async Task BuildAsync(int clients)
    {
        Internet = Own(await NetworkNamespace.CreateAsync().ConfigureAwait(false));
        Server = Own(await NetworkNamespace.CreateAsync().ConfigureAwait(false));
        Client = Own(await NetworkNamespace.CreateAsync().ConfigureAwait(false));
        foreach (var ns in new[] { Client, Server, Internet })
        {
            // Link-local addresses usable at once, so a routing snapshot does not change by itself.
            await ns.ExecCheckedAsync(["sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"]).ConfigureAwait(false);
        }

        ClientLink = await VethPair.ConnectAsync(Client, Server).ConfigureAwait(false);
        await VethPair.ConnectAsync(Server, Internet, aV4: "198.51.100.1/24", bV4: "198.51.100.2/24", aV6: "2001:db8:2::1/64", bV6: "2001:db8:2::2/64")
            .ConfigureAwait(false);
        await Server.ExecCheckedAsync(["ip", "address", "add", $"{ServerEndpoint}/32", "dev", "lo"]).ConfigureAwait(false);
        await Server.ExecCheckedAsync(["sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]).ConfigureAwait(false);
        await Client.ExecCheckedAsync(["ip", "-4", "route", "add", "default", "via", ServerGateway.ToString()]).ConfigureAwait(false);
        await Client.ExecCheckedAsync(["ip", "-6", "route", "add", "default", "via", "2001:db8:1::2"]).ConfigureAwait(false);
        await Internet.ExecCheckedAsync(["ip", "-4", "route", "add", "10.8.0.0/24", "via", "198.51.100.1"]).ConfigureAwait(false);
        await Internet.ExecCheckedAsync(["ip", "-6", "route", "add", "fd08::/64", "via", "2001:db8:2::1"]).ConfigureAwait(false);

        ServerKeys = await WgKeys.GenerateKeyPairAsync().ConfigureAwait(false);
        var keys = new List<KeyPair>();
        for (var i = 0; i < clients; i++)
        {
            keys.Add(await WgKeys.GenerateKeyPairAsync().ConfigureAwait(false));
        }

        ClientKeys = keys;
        ServerPeer = Own(await WireGuardPeer.StartAsync(Implementation.WireguardGo, Server).ConfigureAwait(false));
        await ServerPeer.SetAsync("private-key", ServerKeys.PrivateKeyFile, "listen-port", ServerPort.ToString(CultureInfo.InvariantCulture))
            .ConfigureAwait(false);
        for (var i = 0; i < clients; i++)
        {
            await ServerPeer.SetAsync("peer", keys[i].PublicKey, "allowed-ips", $"{ClientTunnelV4(i)}/32,{ClientTunnelV6(i)}/128").ConfigureAwait(false);
        }

        await ServerPeer.AddAddressAsync($"{ServerTunnelV4}/24").ConfigureAwait(false);
        await ServerPeer.AddAddressAsync($"{ServerTunnelV6}/64").ConfigureAwait(false);
        await ServerPeer.SetLinkUpAsync(1420).ConfigureAwait(false);
    }
}
