// RtNetlink route requests against the kernel: tables (main, 51820, ids above 255), types, dumps and lookups.
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;
using WgSharp.Tun.Tests.Support;

namespace WgSharp.Tun.Tests.Netlink;

public class RouteTests
{
    private const uint HighTable = 4_000_000_000;

    [RootFact]
    public void RoutesInMainIn51820AndInAHighTableAreAddedAndDeleted()
    {
        using var lab = Addressed();
        RouteEntry[] routes =
        [
            new() { Destination = RoutePrefix.Parse("10.9.0.0/16"), OutputInterface = lab.LinkIndex },
            new() { Destination = RoutePrefix.Parse("0.0.0.0/0"), OutputInterface = lab.LinkIndex, Table = 51820 },
            new() { Destination = RoutePrefix.Parse("::/0"), OutputInterface = lab.LinkIndex, Table = 51820 },
            new()
            {
                Destination = RoutePrefix.Parse("10.10.0.0/16"), Gateway = IPAddress.Parse("10.1.0.2"), Table = HighTable,
                Metric = 7, Mtu = 1300, PreferredSource = IPAddress.Parse("10.1.0.1"),
            },
        ];
        foreach (RouteEntry route in routes)
        {
            lab.Netlink.AddRoute(route);
        }

        Assert.Contains($"10.9.0.0/16 dev {lab.Link} scope link", lab.IpLines("route", "show", "table", "main"));
        Assert.Equal([$"default dev {lab.Link} scope link"], lab.IpLines("-4", "route", "show", "table", "51820"));
        Assert.Equal([$"default dev {lab.Link} metric 1024 pref medium"], lab.IpLines("-6", "route", "show", "table", "51820"));
        Assert.Equal([$"10.10.0.0/16 via 10.1.0.2 dev {lab.Link} src 10.1.0.1 metric 7 mtu 1300"],
            lab.IpLines("route", "show", "table", $"{HighTable}"));

        IReadOnlyList<RouteEntry> listed = lab.Netlink.ListRoutes();
        RouteEntry high = Assert.Single(listed, r => r.Table == HighTable);
        Assert.Equal(7u, high.Metric);
        Assert.Equal(1300, high.Mtu);
        Assert.Equal(lab.LinkIndex, high.OutputInterface);
        Assert.Equal(RouteProtocol.Boot, high.Protocol);
        Assert.Equal($"10.10.0.0/16 via 10.1.0.2 dev {lab.Link} table {HighTable} src 10.1.0.1 metric 7 mtu 1300", high.ToString());
        Assert.Equal(2, listed.Count(r => r.Table == 51820));
        Assert.Single(lab.Netlink.ListRoutes(AddressFamily.InterNetworkV6), r => r.Table == 51820);

        foreach (RouteEntry route in routes)
        {
            lab.Netlink.DeleteRoute(route);
        }
        Assert.DoesNotContain(lab.IpLines("route", "show", "table", "main"), line => line.StartsWith("10.9.0.0/16"));
        Assert.Empty(lab.IpLines("route", "show", "table", "51820"));
        Assert.Empty(lab.IpLines("-6", "route", "show", "table", "51820"));
        Assert.Empty(lab.IpLines("route", "show", "table", $"{HighTable}"));
        Assert.DoesNotContain(lab.Netlink.ListRoutes(), r => r.Table is 51820 or HighTable);
    }

    [RootFact]
    public void DumpOfAllTablesPrintsExactlyWhatIpRouteShowTableAllPrints()
    {
        using var lab = Addressed();
        lab.Netlink.AddRoute(new() { Destination = RoutePrefix.Parse("0.0.0.0/0"), OutputInterfaceName = lab.Link, Table = 51820 });
        lab.Netlink.AddRoute(new() { Destination = RoutePrefix.Parse("::/0"), OutputInterfaceName = lab.Link, Table = 51820 });
        lab.Netlink.AddRoute(new() { Destination = RoutePrefix.Parse("10.8.0.0/16"), Type = RouteType.Blackhole });
        lab.Netlink.AddRoute(new() { Destination = RoutePrefix.Parse("10.7.0.0/16"), Type = RouteType.Unreachable, Table = 7 });
        lab.Netlink.AddRoute(new() { Destination = RoutePrefix.Parse("fd01::/64"), Type = RouteType.Prohibit, Table = HighTable });
        lab.Netlink.AddRoute(new()
        {
            Destination = RoutePrefix.Parse("fd02::/64"), Gateway = IPAddress.Parse("fd00:1::2"), Metric = 50,
            Protocol = RouteProtocol.Static,
        });
        lab.Netlink.AddRoute(new() { Destination = RoutePrefix.Parse("10.6.0.1/32"), OutputInterface = lab.PeerIndex, Scope = RouteScope.Host });
        lab.Netlink.AddRoute(new() { Destination = RoutePrefix.Parse("10.5.0.0/16"), Type = RouteType.Throw, Table = 100 });

        string[] expected = lab.IpLines("route", "show", "table", "all");
        int expectedCount = lab.IpJson("route", "show", "table", "all").GetArrayLength();
        string[] actual = lab.Netlink.ListRoutes().Select(r => r.ToString()).ToArray();

        Assert.Equal(expectedCount, actual.Length);
        Assert.Equal(expected, actual);
        Assert.Equal(lab.IpLines("-4", "route", "show", "table", "all"),
            lab.Netlink.ListRoutes(AddressFamily.InterNetwork).Select(r => r.ToString()));
    }

    [RootFact]
    public void LargeDumpSpansManyDatagramsAndLosesNothing()
    {
        using var lab = Addressed();
        string batch = Path.Combine(Path.GetTempPath(), $"{lab.Ns.Name}-routes.batch");
        try
        {
            File.WriteAllLines(batch, Enumerable.Range(0, 3000)
                .Select(i => $"route add 10.{100 + i / 250}.{i % 250}.0/24 dev {lab.Link} table {1000 + i % 3}"));
            lab.Ip("-batch", batch);
        }
        finally
        {
            File.Delete(batch);
        }

        IReadOnlyList<RouteEntry> routes = lab.Netlink.ListRoutes(AddressFamily.InterNetwork);

        Assert.Equal(3000, routes.Count(r => r.Table is >= 1000 and <= 1002));
        Assert.Equal(lab.IpLines("-4", "route", "show", "table", "all"), routes.Select(r => r.ToString()));
        // Concurrent callers share the socket through the lock and each gets a whole, correct dump.
        var counts = Enumerable.Range(0, 4)
            .Select(_ => Task.Run(() => lab.Netlink.ListRoutes(AddressFamily.InterNetwork).Count))
            .ToArray();
        Assert.All(counts, c => Assert.Equal(routes.Count, c.Result));
    }

    [RootFact]
    public void ReplaceRouteAddsThenChangesTheRoute()
    {
        using var lab = Addressed();
        var route = new RouteEntry { Destination = RoutePrefix.Parse("10.9.0.0/16"), OutputInterface = lab.LinkIndex, Table = 51820 };

        lab.Netlink.ReplaceRoute(route);
        Assert.Equal([$"10.9.0.0/16 dev {lab.Link} scope link"], lab.IpLines("route", "show", "table", "51820"));

        lab.Netlink.ReplaceRoute(route with { Gateway = IPAddress.Parse("10.1.0.2") });
        Assert.Equal([$"10.9.0.0/16 via 10.1.0.2 dev {lab.Link}"], lab.IpLines("route", "show", "table", "51820"));
    }

    [RootFact]
    public void DuplicateAddIsEexistAndDeletingAnAbsentRouteIsEsrch()
    {
        using var lab = Addressed();
        var v4 = new RouteEntry { Destination = RoutePrefix.Parse("0.0.0.0/0"), OutputInterface = lab.LinkIndex, Table = 51820 };
        var v6 = new RouteEntry { Destination = RoutePrefix.Parse("::/0"), OutputInterface = lab.LinkIndex, Table = 51820 };
        lab.Netlink.AddRoute(v4);
        lab.Netlink.AddRoute(v6);

        var duplicate = Assert.Throws<NetlinkException>(() => lab.Netlink.AddRoute(v4));
        Assert.Equal(Errno.EEXIST, duplicate.Errno);
        Assert.Equal($"ip -4 route add 0.0.0.0/0 dev {lab.Link} table 51820", duplicate.Operation);
        Assert.StartsWith($"ip -4 route add 0.0.0.0/0 dev {lab.Link} table 51820: File exists (errno 17)", duplicate.Message);
        Assert.Equal(Errno.EEXIST, Assert.Throws<NetlinkException>(() => lab.Netlink.AddRoute(v6)).Errno);

        // The kernel answers ESRCH ("No such process") for a route delete that matches nothing, both families.
        var absent = Assert.Throws<NetlinkException>(() => lab.Netlink.DeleteRoute(v4 with { Table = 51821 }));
        Assert.Equal(Errno.ESRCH, absent.Errno);
        Assert.Equal(Errno.ESRCH, Assert.Throws<NetlinkException>(() => lab.Netlink.DeleteRoute(v6 with { Table = 51821 })).Errno);

        var badGateway = Assert.Throws<NetlinkException>(() => lab.Netlink.AddRoute(
            new RouteEntry { Destination = RoutePrefix.Parse("10.2.0.0/16"), Gateway = IPAddress.Parse("10.99.0.1") }));
        Assert.Equal(Errno.ENETUNREACH, badGateway.Errno);
        Assert.False(string.IsNullOrEmpty(badGateway.KernelMessage)); // "Nexthop has invalid gateway"
    }

    [RootFact]
    public void GetRouteToGivesTheOutgoingInterfaceAndTheMtuToUse()
    {
        using var lab = Addressed();
        lab.Netlink.SetMtu(lab.LinkIndex, 1400);
        lab.Netlink.AddRoute(new()
        {
            Destination = RoutePrefix.Parse("10.20.0.0/16"), Gateway = IPAddress.Parse("10.1.0.2"), Mtu = 1300,
        });

        RouteLookup viaGateway = lab.Netlink.GetRouteTo(IPAddress.Parse("10.20.1.1"));
        Assert.Equal(lab.LinkIndex, viaGateway.OutputInterface);
        Assert.Equal(lab.Link, viaGateway.OutputInterfaceName);
        Assert.Equal(IPAddress.Parse("10.1.0.2"), viaGateway.Gateway);
        Assert.Equal(IPAddress.Parse("10.1.0.1"), viaGateway.PreferredSource);
        Assert.Equal(1300, viaGateway.Mtu);
        Assert.True(viaGateway.MtuFromRoute);
        JsonElement ip = lab.IpJson("route", "get", "10.20.1.1")[0];
        Assert.Equal(ip.GetProperty("gateway").GetString(), viaGateway.Gateway!.ToString());
        Assert.Equal(ip.GetProperty("prefsrc").GetString(), viaGateway.PreferredSource!.ToString());
        Assert.Equal(IprouteNames.TableMain, viaGateway.Table);

        RouteLookup onLink = lab.Netlink.GetRouteTo(IPAddress.Parse("10.1.0.9"));
        Assert.Null(onLink.Gateway);
        Assert.Equal(1400, onLink.Mtu);
        Assert.False(onLink.MtuFromRoute);
        Assert.Equal($"10.1.0.9 dev {lab.Link} table main src 10.1.0.1 mtu 1400", onLink.ToString());

        RouteLookup v6 = lab.Netlink.GetRouteTo(IPAddress.Parse("fd00:1::9"));
        Assert.Equal(lab.LinkIndex, v6.OutputInterface);
        Assert.Equal(1400, v6.Mtu);

        // No default route in the namespace: nothing reaches 198.51.100.1.
        var unreachable = Assert.Throws<NetlinkException>(() => lab.Netlink.GetRouteTo(IPAddress.Parse("198.51.100.1")));
        Assert.Equal(Errno.ENETUNREACH, unreachable.Errno);
        Assert.Null(lab.Netlink.TryGetRouteTo(IPAddress.Parse("198.51.100.1")));
    }

    [RootFact]
    public void GetRouteToHonoursTheFwmarkThroughPolicyRules()
    {
        using var lab = Addressed();
        lab.Ip("address", "add", "10.3.0.1/24", "dev", lab.Peer);
        lab.Ip("route", "add", "default", "via", "10.1.0.2", "table", "51820");
        lab.Ip("route", "add", "default", "via", "10.3.0.2", "table", "200");
        lab.Ip("rule", "add", "not", "fwmark", "51820", "table", "51820");
        lab.Ip("rule", "add", "fwmark", "51820", "table", "200");

        RouteLookup unmarked = lab.Netlink.GetRouteTo(IPAddress.Parse("198.51.100.1"));
        RouteLookup marked = lab.Netlink.GetRouteTo(IPAddress.Parse("198.51.100.1"), 51820);

        Assert.Equal((lab.LinkIndex, 51820u, "10.1.0.2"), (unmarked.OutputInterface, unmarked.Table, unmarked.Gateway!.ToString()));
        Assert.Equal((lab.PeerIndex, 200u, "10.3.0.2"), (marked.OutputInterface, marked.Table, marked.Gateway!.ToString()));
        Assert.Equal(IPAddress.Parse("10.3.0.1"), marked.PreferredSource);
    }

    /// <summary>A lab with 10.1.0.1/24 and fd00:1::1/64 (nodad) on the link, whose routes are in main.</summary>
    private static NetlinkLab Addressed()
    {
        var lab = new NetlinkLab();
        try
        {
            lab.Ip("address", "add", "10.1.0.1/24", "dev", lab.Link);
            lab.Ip("address", "add", "fd00:1::1/64", "dev", lab.Link, "nodad");
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }
}
