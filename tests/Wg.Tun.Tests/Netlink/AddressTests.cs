// RtNetlink address requests (IPv4 and IPv6) against the kernel, checked with `ip -j address`.
using System.Net.Sockets;
using System.Text.Json;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;
using WgSharp.Tun.Tests.Support;

namespace WgSharp.Tun.Tests.Netlink;

public class AddressTests
{
    [RootFact]
    public void AddedAddressesAppearInIpAndInTheListThenGoAway()
    {
        using var lab = new NetlinkLab();
        RoutePrefix v4 = RoutePrefix.Parse("10.1.0.1/24");
        RoutePrefix v6 = RoutePrefix.Parse("fd00:1::1/64");

        lab.Netlink.AddAddress(lab.LinkIndex, v4);
        lab.Netlink.AddAddress(lab.LinkIndex, v6, AddressFlags.NoDad);

        Assert.Contains(("inet", "10.1.0.1", 24), IpAddresses(lab));
        Assert.Contains(("inet6", "fd00:1::1", 64), IpAddresses(lab));
        // nodad: the address is usable at once, never "tentative".
        JsonElement v6Info = AddressInfo(lab).First(a => a.GetProperty("local").GetString() == "fd00:1::1");
        Assert.False(v6Info.TryGetProperty("tentative", out _));

        IReadOnlyList<AddressEntry> listed = lab.Netlink.ListAddresses(lab.LinkIndex);
        AddressEntry listedV4 = Assert.Single(listed, a => a.Prefix == v4);
        AddressEntry listedV6 = Assert.Single(listed, a => a.Prefix == v6);
        Assert.Equal($"10.1.0.1/24 dev {lab.Link}", listedV4.ToString());
        Assert.Equal($"fd00:1::1/64 dev {lab.Link} nodad", listedV6.ToString());
        Assert.Equal(lab.LinkIndex, listedV6.InterfaceIndex);
        Assert.Equal(RouteScope.Universe, listedV4.Scope);
        Assert.All(listed, a => Assert.Equal(lab.Link, a.InterfaceName));
        Assert.DoesNotContain(lab.Netlink.ListAddresses(lab.LinkIndex, AddressFamily.InterNetworkV6), a => a.Prefix == v4);
        Assert.DoesNotContain(lab.Netlink.ListAddresses(lab.PeerIndex), a => a.Prefix == v4);

        lab.Netlink.DeleteAddress(lab.LinkIndex, v4);
        lab.Netlink.DeleteAddress(lab.LinkIndex, v6);

        Assert.DoesNotContain(IpAddresses(lab), a => a.Address is "10.1.0.1" or "fd00:1::1");
        Assert.DoesNotContain(lab.Netlink.ListAddresses(lab.LinkIndex), a => a.Prefix == v4 || a.Prefix == v6);
    }

    [RootFact]
    public void ListOfAllAddressesMatchesIpAddressShow()
    {
        using var lab = new NetlinkLab();
        lab.Netlink.AddAddress(lab.LinkIndex, RoutePrefix.Parse("10.1.0.1/24"));
        lab.Netlink.AddAddress(lab.PeerIndex, RoutePrefix.Parse("10.1.0.2/24"));
        lab.Netlink.AddAddress(lab.PeerIndex, RoutePrefix.Parse("fd00:1::2/64"), AddressFlags.NoDad);

        var expected = lab.IpJson("address", "show").EnumerateArray()
            .SelectMany(link => link.GetProperty("addr_info").EnumerateArray()
                .Select(a => $"{link.GetProperty("ifname").GetString()} {a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}"))
            .Order().ToArray();
        var actual = lab.Netlink.ListAddresses().Select(a => $"{a.InterfaceName} {a.Prefix}").Order().ToArray();

        Assert.Equal(expected, actual);
    }

    [RootFact]
    public void DuplicateAddIsEexistAndDeletingAnAbsentAddressIsEaddrnotavail()
    {
        using var lab = new NetlinkLab();
        RoutePrefix v4 = RoutePrefix.Parse("10.1.0.1/24");
        RoutePrefix v6 = RoutePrefix.Parse("fd00:1::1/64");
        lab.Netlink.AddAddress(lab.LinkIndex, v4);
        lab.Netlink.AddAddress(lab.LinkIndex, v6, AddressFlags.NoDad);

        var duplicate = Assert.Throws<NetlinkException>(() => lab.Netlink.AddAddress(lab.LinkIndex, v4));
        Assert.Equal(Errno.EEXIST, duplicate.Errno);
        Assert.Equal($"ip -4 address add 10.1.0.1/24 dev {lab.Link}", duplicate.Operation);
        Assert.Equal(Errno.EEXIST, Assert.Throws<NetlinkException>(() => lab.Netlink.AddAddress(lab.LinkIndex, v6)).Errno);

        var absent = Assert.Throws<NetlinkException>(() => lab.Netlink.DeleteAddress(lab.LinkIndex, RoutePrefix.Parse("10.1.0.9/24")));
        Assert.Equal(Errno.EADDRNOTAVAIL, absent.Errno);
        Assert.Equal(Errno.EADDRNOTAVAIL,
            Assert.Throws<NetlinkException>(() => lab.Netlink.DeleteAddress(lab.LinkIndex, RoutePrefix.Parse("fd00:1::9/64"))).Errno);
    }

    private static IEnumerable<JsonElement> AddressInfo(NetlinkLab lab) =>
        lab.IpJson("address", "show", "dev", lab.Link)[0].GetProperty("addr_info").EnumerateArray();

    private static List<(string Family, string Address, int Length)> IpAddresses(NetlinkLab lab) =>
        AddressInfo(lab)
            .Select(a => (a.GetProperty("family").GetString()!, a.GetProperty("local").GetString()!, a.GetProperty("prefixlen").GetInt32()))
            .ToList();
}
