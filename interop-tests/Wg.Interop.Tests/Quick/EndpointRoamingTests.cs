// Split-route mode follows a roaming server: when the server's packets start coming from a new address,
// the daemon adds a host route for it through the original gateway (so the tunnel's UDP does not loop
// into the 0/1 + 128/1 halves), removes the old one, and `down` still restores the routing state.
using System.Net;
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

        string routes = "";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            // Server-originated traffic through the tunnel makes the client learn the new endpoint.
            await Traffic.PingAsync(topology.Server, QuickTopology.ClientTunnelV4(), count: 1, deadline: TimeSpan.FromSeconds(2));
            routes = (await topology.Client.ExecCheckedAsync(["ip", "-4", "route"])).StandardOutput;
            if (routes.Contains($"{RoamedEndpoint} via {QuickTopology.ServerGateway} dev {topology.ClientLink.A.Name}", StringComparison.Ordinal)
                && !routes.Contains($"{QuickTopology.ServerEndpoint} via", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(500);
        }

        output.WriteLine(routes);
        Assert.Contains($"{RoamedEndpoint} via {QuickTopology.ServerGateway} dev {topology.ClientLink.A.Name}", routes);
        Assert.DoesNotContain($"{QuickTopology.ServerEndpoint} via", routes);
        Assert.Contains(wg.ReadState()!.Routes, r => r.Destination == $"{RoamedEndpoint}/32");
        ping = await Traffic.PingAsync(topology.Client, QuickTopology.InternetV4, count: 2, deadline: TimeSpan.FromSeconds(10));
        Assert.True(ping.Succeeded, $"after roaming: {ping}");

        await wg.ExpectDownAsync();
        Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(topology.Client)).Text);
    }
}
