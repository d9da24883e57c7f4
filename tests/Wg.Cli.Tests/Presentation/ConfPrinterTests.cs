// `showconf` output on fixed snapshots, against text written out by hand from wg's showconf.c.
using System.Net;
using WgSharp.Cli.Presentation;
using WgSharp.Cli.Tests.Support;
using WgSharp.Router.Configuration;
using static WgSharp.Cli.Tests.Show.ShowSamples;

namespace WgSharp.Cli.Tests.Show;

public class ConfPrinterTests
{
    private static string Print(DeviceSnapshot snapshot)
    {
        using var writer = new ShowWriter();
        ConfPrinter.Write(writer, snapshot);
        return writer.Written;
    }

    [Fact]
    public void Prints_interface_and_peers_in_the_daemons_order()
    {
        using DeviceSnapshot snapshot = Snapshot(Now);
        Assert.Equal(
            "[Interface]\n" +
            "ListenPort = 51820\n" +
            "FwMark = 0x20\n" +
            $"PrivateKey = {B64(TestKeys.Private(1))}\n" +
            "\n" +
            "[Peer]\n" +
            $"PublicKey = {Pub(2)}\n" +
            "Endpoint = [2001:db8::1]:1234\n" +
            "\n" +
            "[Peer]\n" +
            $"PublicKey = {Pub(1)}\n" +
            $"PresharedKey = {B64(TestKeys.Bytes(5))}\n" +
            "AllowedIPs = 10.0.0.0/24, fd00::/64, ::1.2.3.4/128\n" +
            "Endpoint = 192.0.2.1:51820\n" +
            "PersistentKeepalive = 25\n" +
            "\n" +
            "[Peer]\n" +
            $"PublicKey = {Pub(3)}\n" +
            "AllowedIPs = 0.0.0.0/0, ::/0\n" +
            "PersistentKeepalive = 3661\n",
            Print(snapshot));
    }

    [Fact]
    public void An_empty_device_is_an_interface_header_and_a_blank_line()
    {
        using var snapshot = new DeviceSnapshot();
        Assert.Equal("[Interface]\n\n", Print(snapshot));
    }

    [Fact]
    public void The_output_parses_back_to_the_same_device()
    {
        using DeviceSnapshot snapshot = Snapshot(Now);
        string text = Print(snapshot);
        using var config = WgSharp.Cli.Configuration.ConfigParser.Parse(text, "wg-test.conf").GetConfigOrThrow();
        Assert.Equal(51820, config.ListenPort!.Value);
        Assert.Equal(0x20u, config.FirewallMark);
        Assert.Equal(TestKeys.Hex(TestKeys.Private(1)), config.PrivateKey!.ExportHex());
        Assert.Equal([TestKeys.Public(2), TestKeys.Public(1), TestKeys.Public(3)], config.Peers.Select(p => p.PublicKey));
        Assert.Equal(snapshot.Peers[1].AllowedIps, config.Peers[1].AllowedIps);
        Assert.Equal(IPEndPoint.Parse("[2001:db8::1]:1234"), config.Peers[0].ResolvedEndpoint);
        Assert.Equal((ushort)3661, config.Peers[2].PersistentKeepalive);
    }
}
