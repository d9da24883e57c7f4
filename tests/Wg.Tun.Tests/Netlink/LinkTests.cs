// RtNetlink link requests against the kernel, checked with `ip -j link`.
using System.Text.Json;
using WgSharp.Tun.Netlink;
using WgSharp.Tun.Tests.Support;

namespace WgSharp.Tun.Tests.Netlink;

public class LinkTests
{
    [RootFact]
    public void GetLinkReportsWhatIpReports()
    {
        using var lab = new NetlinkLab();
        JsonElement ip = lab.IpJson("link", "show", "dev", lab.Link)[0];

        LinkInfo link = lab.Netlink.GetLink(lab.Link);

        Assert.Equal(ip.GetProperty("ifindex").GetInt32(), link.Index);
        Assert.Equal(lab.Link, link.Name);
        Assert.Equal(ip.GetProperty("mtu").GetInt32(), link.Mtu);
        Assert.Equal("veth", link.Kind);
        Assert.True(link.IsUp);
        Assert.Equal(ip.GetProperty("flags").EnumerateArray().Select(f => f.GetString()!), link.FlagNames);
        Assert.StartsWith($"{link.Index}: {lab.Link}: <", link.ToString());
        Assert.Equal(link, lab.Netlink.GetLink(link.Index));
    }

    [RootFact]
    public void ListLinksMatchesIpLinkShow()
    {
        using var lab = new NetlinkLab();
        string[] expected = lab.IpJson("link", "show").EnumerateArray()
            .Select(l => $"{l.GetProperty("ifindex").GetInt32()} {l.GetProperty("ifname").GetString()} {l.GetProperty("mtu").GetInt32()}")
            .ToArray();

        string[] actual = lab.Netlink.ListLinks().Select(l => $"{l.Index} {l.Name} {l.Mtu}").ToArray();

        Assert.Equal(expected, actual);
        Assert.Equal(3, actual.Length); // lo and the veth pair: the socket is in the lab's namespace
    }

    [RootFact]
    public void SetMtuAndUpDownAreVisibleToIp()
    {
        using var lab = new NetlinkLab();

        lab.Netlink.SetMtu(lab.LinkIndex, 1380);
        Assert.Equal(1380, lab.IpJson("link", "show", "dev", lab.Link)[0].GetProperty("mtu").GetInt32());
        lab.Netlink.SetMtu(lab.Link, 1420);
        Assert.Equal(1420, lab.IpJson("link", "show", "dev", lab.Link)[0].GetProperty("mtu").GetInt32());

        lab.Netlink.SetLinkUp(lab.LinkIndex, false);
        Assert.DoesNotContain("UP", Flags(lab));
        Assert.False(lab.Netlink.GetLink(lab.LinkIndex).IsUp);

        lab.Netlink.SetLinkUp(lab.Link, true);
        Assert.Contains("UP", Flags(lab));
        Assert.True(lab.Netlink.GetLink(lab.LinkIndex).IsUp);
        Assert.Equal(1420, lab.Netlink.GetLink(lab.LinkIndex).Mtu);
    }

    [RootFact]
    public void MissingLinkIsEnodevAndTryGetLinkIsNull()
    {
        using var lab = new NetlinkLab();

        var error = Assert.Throws<NetlinkException>(() => lab.Netlink.GetLink("nosuchlink0"));
        Assert.Equal(Errno.ENODEV, error.Errno);
        Assert.Contains("ip link show dev nosuchlink0", error.Message);
        Assert.Null(lab.Netlink.TryGetLink("nosuchlink0"));
        Assert.Equal(Errno.ENODEV, Assert.Throws<NetlinkException>(() => lab.Netlink.GetLink(999_999)).Errno);
    }

    [RootFact]
    public void InvalidMtuIsRefusedWithTheKernelsReason()
    {
        using var lab = new NetlinkLab();

        var error = Assert.Throws<NetlinkException>(() => lab.Netlink.SetMtu(lab.LinkIndex, 10));

        Assert.Equal(Errno.EINVAL, error.Errno);
        Assert.Contains($"ip link set dev {lab.Link} mtu 10", error.Message);
        Assert.False(string.IsNullOrEmpty(error.KernelMessage)); // extended ack: "mtu less than device minimum"
    }

    [RootFact]
    public void SocketStaysInItsNamespaceWhicheverThreadUsesIt()
    {
        using var lab = new NetlinkLab();

        // This test thread is in the root namespace, where the lab's uniquely named link does not exist.
        Assert.NotEqual(0, Command.Run("ip", ["link", "show", "dev", lab.Link]).ExitCode);
        LinkInfo fromOtherThread = Task.Run(() => lab.Netlink.GetLink(lab.Link)).Result;
        Assert.Equal(lab.LinkIndex, fromOtherThread.Index);
    }

    private static string[] Flags(NetlinkLab lab) =>
        lab.IpJson("link", "show", "dev", lab.Link)[0].GetProperty("flags").EnumerateArray().Select(f => f.GetString()!).ToArray();
}
