// The script-friendly `show` forms on the fixed snapshot, against text written out by hand from wg's
// show.c: tab-separated, the daemon's peer order, (none) and off, keys in full, the interface name
// first with `all`.
using WgSharp.Cli.Presentation;
using WgSharp.Cli.Tests.Support;
using WgSharp.Router.Configuration;
using static WgSharp.Cli.Tests.Show.ShowSamples;

namespace WgSharp.Cli.Tests.Show;

public class DumpPrinterTests
{
    private static string Print(ShowField field, bool withInterface = false, bool colors = true)
    {
        using DeviceSnapshot snapshot = Snapshot(Now);
        using var writer = new ShowWriter(colors, hideKeys: true);
        DumpPrinter.Write(writer, new ShownDevice("wg-test", snapshot, Now), field, withInterface);
        return writer.Written;
    }

    private static long Seconds(TimeSpan ago) => (Now - ago).ToUnixTimeSeconds();

    [Fact]
    public void Dump_is_tab_separated_in_the_daemons_order_with_keys_in_full()
    {
        string expected =
            $"{B64(TestKeys.Private(1))}\t{OwnPublic}\t51820\t0x20\n" +
            $"{Pub(2)}\t(none)\t[2001:db8::1]:1234\t(none)\t0\t0\t0\toff\n" +
            $"{Pub(1)}\t{B64(TestKeys.Bytes(5))}\t192.0.2.1:51820\t10.0.0.0/24,fd00::/64,::1.2.3.4/128\t{Seconds(TimeSpan.FromSeconds(63))}\t1289748\t4669\t25\n" +
            $"{Pub(3)}\t(none)\t(none)\t0.0.0.0/0,::/0\t{Seconds(TimeSpan.FromSeconds((367 * 86400) + 3601))}\t1023\t0\t3661\n";
        Assert.Equal(expected, Print(ShowField.Dump));
        Assert.Equal(string.Concat(expected.Split('\n').Where(l => l.Length > 0).Select(l => "wg-test\t" + l + "\n")),
            Print(ShowField.Dump, withInterface: true));
    }

    [Fact]
    public void A_device_without_key_port_or_mark_dumps_none_zero_and_off()
    {
        using var snapshot = new DeviceSnapshot();
        using var writer = new ShowWriter();
        DumpPrinter.Write(writer, new ShownDevice("wg-test", snapshot, Now), ShowField.Dump, withInterface: false);
        Assert.Equal("(none)\t(none)\t0\toff\n", writer.Written);
    }

    [Theory]
    [InlineData("public-key")]
    [InlineData("private-key")]
    [InlineData("listen-port")]
    [InlineData("fwmark")]
    [InlineData("peers")]
    [InlineData("preshared-keys")]
    [InlineData("endpoints")]
    [InlineData("allowed-ips")]
    [InlineData("latest-handshakes")]
    [InlineData("transfer")]
    [InlineData("persistent-keepalive")]
    public void Each_field_prints_as_wg_prints_it(string name)
    {
        Assert.True(ShowFields.TryParse(name, out ShowField field));
        string expected = field switch
        {
            ShowField.PublicKey => $"{OwnPublic}\n",
            ShowField.PrivateKey => $"{B64(TestKeys.Private(1))}\n",
            ShowField.ListenPort => "51820\n",
            ShowField.FirewallMark => "0x20\n",
            ShowField.Peers => $"{Pub(2)}\n{Pub(1)}\n{Pub(3)}\n",
            ShowField.PresharedKeys => $"{Pub(2)}\t(none)\n{Pub(1)}\t{B64(TestKeys.Bytes(5))}\n{Pub(3)}\t(none)\n",
            ShowField.Endpoints => $"{Pub(2)}\t[2001:db8::1]:1234\n{Pub(1)}\t192.0.2.1:51820\n{Pub(3)}\t(none)\n",
            ShowField.AllowedIps => $"{Pub(2)}\t(none)\n{Pub(1)}\t10.0.0.0/24 fd00::/64 ::1.2.3.4/128\n{Pub(3)}\t0.0.0.0/0 ::/0\n",
            ShowField.LatestHandshakes =>
                $"{Pub(2)}\t0\n{Pub(1)}\t{Seconds(TimeSpan.FromSeconds(63))}\n{Pub(3)}\t{Seconds(TimeSpan.FromSeconds((367 * 86400) + 3601))}\n",
            ShowField.Transfer => $"{Pub(2)}\t0\t0\n{Pub(1)}\t1289748\t4669\n{Pub(3)}\t1023\t0\n",
            ShowField.PersistentKeepalive => $"{Pub(2)}\toff\n{Pub(1)}\t25\n{Pub(3)}\t3661\n",
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };
        Assert.Equal(expected, Print(field));
        Assert.Equal(string.Concat(expected.Split('\n').Where(l => l.Length > 0).Select(l => "wg-test\t" + l + "\n")),
            Print(field, withInterface: true));
    }

    [Fact]
    public void Field_names_are_wgs()
    {
        Assert.True(ShowFields.TryParse("persistent-keepalive", out ShowField field));
        Assert.Equal(ShowField.PersistentKeepalive, field);
        Assert.True(ShowFields.TryParse("fwmark", out field));
        Assert.Equal(ShowField.FirewallMark, field);
        Assert.False(ShowFields.TryParse("Dump", out _));
        Assert.False(ShowFields.TryParse("listen_port", out _));
        Assert.Equal(12, ShowFields.Names.Length);
    }
}
