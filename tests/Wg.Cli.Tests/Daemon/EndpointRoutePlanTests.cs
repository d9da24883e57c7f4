// EndpointRoutePlan: which endpoint host routes the daemon adds and removes in split-route mode.
using System.Net;
using System.Net.Sockets;
using WgSharp.Cli.Host;

namespace WgSharp.Cli.Tests.Daemon;

public sealed class EndpointRoutePlanTests
{
    private static QuickState State(DefaultRouteMode mode, params StateRoute[] routes)
    {
        var state = new QuickState { Interface = "wg0", Phase = QuickPhase.Up };
        state.DefaultRoutes.Add(new StateDefaultRoute { Family = AddressFamily.InterNetwork, Mode = mode });
        state.Routes.AddRange(routes);
        return state;
    }

    private static StateRoute Host(string address, string device = "eth0") =>
        new() { Destination = address + "/32", Device = device, Gateway = "192.0.2.2" };

    [Fact]
    public void A_roamed_endpoint_gets_a_route_and_the_old_one_goes()
    {
        StateRoute old = Host("203.0.113.1");
        QuickState state = State(DefaultRouteMode.SplitRoutes, old, new StateRoute { Destination = "0.0.0.0/1", Device = "wg0" });
        EndpointRoutePlan plan = EndpointRoutePlan.Compute(state, "wg0", [IPAddress.Parse("203.0.113.5")]);
        Assert.Equal([IPAddress.Parse("203.0.113.5")], plan.Added);
        Assert.Same(old, Assert.Single(plan.Removed));
    }

    [Fact]
    public void Nothing_changes_while_endpoints_match_their_routes()
    {
        QuickState state = State(DefaultRouteMode.SplitRoutes, Host("203.0.113.1"));
        // IPv4-mapped (as a dual-stack socket reports it) counts as the IPv4 address; duplicates once.
        Assert.True(EndpointRoutePlan.Compute(state, "wg0",
            [IPAddress.Parse("::ffff:203.0.113.1"), IPAddress.Parse("203.0.113.1")]).IsEmpty);
    }

    [Fact]
    public void Policy_rule_mode_and_other_families_are_left_alone()
    {
        Assert.True(EndpointRoutePlan.Compute(State(DefaultRouteMode.PolicyRules, Host("203.0.113.1")), "wg0",
            [IPAddress.Parse("203.0.113.5")]).IsEmpty);
        // IPv4 is split, so an IPv6 endpoint needs no host route, and the tunnel's own host routes
        // (dev wg0, from AllowedIPs) are never taken for endpoint routes.
        QuickState state = State(DefaultRouteMode.SplitRoutes, Host("203.0.113.1"), Host("10.0.0.7", device: "wg0"));
        Assert.True(EndpointRoutePlan.Compute(state, "wg0", [IPAddress.Parse("2001:db8::1"), IPAddress.Parse("203.0.113.1")]).IsEmpty);
    }
}
