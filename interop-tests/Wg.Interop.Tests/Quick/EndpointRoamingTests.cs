// Split-route mode follows a roaming server to an address a handshake completed from: the daemon adds a
// host route for it through the original gateway (so the tunnel's UDP does not loop into the 0/1 + 128/1
// halves), keeps it past the grace an unconfirmed initiation gets, keeps the configured endpoint's, and
// `down` still restores the routing state. (That data packets alone get no route is a unit test's:
// HandshakeEndpointsTests.)
using System.Net;
using WgSharp.Cli.Host;
using WgSharp.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace WgSharp.Interop.Tests.Quick;

public sealed class EndpointRoamingTests(ITestOutputHelper output)
{
    private static readonly IPAddress RoamedEndpoint = IPAddress.Parse("203.0.113.5");

    [Fact(Timeout = 180_000)]
    public async Task SplitRoutesFollowTheServerToItsNewAddress()
    {
        using var topology = await QuickTopology.CreateAsync();
        var before = await RoutingSnapshot.TakeAsync(topology.Client);
        var wg = topology.NewInterface("0.0.0.0/0");
        output.WriteLine((await wg.ExpectUpAsync(["--split-routes"])).StandardError);
        var ping = await Traffic.PingAsync(topology.Client, QuickTopology.InternetV4, count: 2, deadline: TimeSpan.FromSeconds(10));
        Assert.True(ping.Succeeded, $"before roaming: {ping}");

        // The server moves: its replies now leave from 203.0.113.5 (the old address is gone, so
        // wireguard-go's sticky source falls back to the route's source).
        var serverLink = topology.ClientLink.B.Name;
        await topology.Server.ExecCheckedAsync(["ip", "address", "add", $"{RoamedEndpoint}/32", "dev", "lo"]);
        await topology.Server.ExecCheckedAsync(["ip", "route", "add", "192.0.2.1/32", "dev", serverLink, "src", RoamedEndpoint.ToString()]);
        await topology.Server.ExecCheckedAsync(["ip", "address", "del", $"{QuickTopology.ServerEndpoint}/32", "dev", "lo"]);

        // Server-originated traffic through the tunnel: the server, hearing nothing back from the client's replies
        // (they follow the split routes into the tunnel), starts a handshake from its new address, which the
        // client routes for a grace so its response gets out; the server then uses the session.
        string roamedRoute = $"{RoamedEndpoint} via {QuickTopology.ServerGateway} dev {topology.ClientLink.A.Name}";
        string routes = "";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (DateTime.UtcNow < deadline)
        {
            await Traffic.PingAsync(topology.Server, QuickTopology.ClientTunnelV4(), count: 1, deadline: TimeSpan.FromSeconds(2));
            routes = (await topology.Client.ExecCheckedAsync(["ip", "-4", "route"])).StandardOutput;
            if (routes.Contains(roamedRoute, StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(500);
        }

        // Past the grace of an unconfirmed initiation: the route is there because the handshake completed.
        await Task.Delay(HandshakeEndpoints.PendingGrace + EndpointRouteKeeper.Period);
        routes = (await topology.Client.ExecCheckedAsync(["ip", "-4", "route"])).StandardOutput;
        output.WriteLine(routes);
        Assert.Contains(roamedRoute, routes);
        Assert.Contains($"{QuickTopology.ServerEndpoint} via", routes); // the configured endpoint keeps its route
        // Recorded by the daemon (not root) in its own directory, which `down` reads.
        Assert.Contains(wg.ReadDaemonRoutes(wg.ReadState()!.DaemonUser!.Uid), r => r.Destination == $"{RoamedEndpoint}/32");
        ping = await Traffic.PingAsync(topology.Client, QuickTopology.InternetV4, count: 2, deadline: TimeSpan.FromSeconds(10));
        Assert.True(ping.Succeeded, $"after roaming: {ping}");

        await wg.ExpectDownAsync();
        Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(topology.Client)).Text);
    }
}
