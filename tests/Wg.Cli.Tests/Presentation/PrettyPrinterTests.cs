// The readable `show` format on a fixed snapshot at a frozen time, against text written out by hand
// from wg's show.c format (and checked against the real `wg` in WgComparisonTests): peers sorted by
// latest handshake, "(hidden)" keys, durations and byte units, colors only when asked for.
using WgSharp.Cli.Presentation;
using WgSharp.Router.Configuration;
using static WgSharp.Cli.Tests.Show.ShowSamples;

namespace WgSharp.Cli.Tests.Show;

public class PrettyPrinterTests
{
    private static string Print(DeviceSnapshot snapshot, bool colors = false, bool hideKeys = true, DateTimeOffset? now = null)
    {
        using var writer = new ShowWriter(colors, hideKeys);
        PrettyPrinter.Write(writer, new ShownDevice("wg-test", snapshot, now ?? Now));
        return writer.Written;
    }

    private static string Expected(string privateKey, string presharedKey) =>
        "interface: wg-test\n" +
        $"  public key: {OwnPublic}\n" +
        $"  private key: {privateKey}\n" +
        "  listening port: 51820\n" +
        "  fwmark: 0x20\n" +
        "\n" +
        $"peer: {Pub(1)}\n" +
        $"  preshared key: {presharedKey}\n" +
        "  endpoint: 192.0.2.1:51820\n" +
        "  allowed ips: 10.0.0.0/24, fd00::/64, ::1.2.3.4/128\n" +
        "  latest handshake: 1 minute, 3 seconds ago\n" +
        "  transfer: 1.23 MiB received, 4.56 KiB sent\n" +
        "  persistent keepalive: every 25 seconds\n" +
        "\n" +
        $"peer: {Pub(3)}\n" +
        "  allowed ips: 0.0.0.0/0, ::/0\n" +
        "  latest handshake: 1 year, 2 days, 1 hour, 1 second ago\n" +
        "  transfer: 1023 B received, 0 B sent\n" +
        "  persistent keepalive: every 1 hour, 1 minute, 1 second\n" +
        "\n" +
        $"peer: {Pub(2)}\n" +
        "  endpoint: [2001:db8::1]:1234\n" +
        "  allowed ips: (none)\n";

    [Fact]
    public void Prints_wgs_readable_form_with_peers_by_latest_handshake()
    {
        using DeviceSnapshot snapshot = Snapshot(Now);
        Assert.Equal(Expected("(hidden)", "(hidden)"), Print(snapshot));
    }

    [Fact]
    public void Shows_the_keys_when_told_to()
    {
        using DeviceSnapshot snapshot = Snapshot(Now);
        Assert.Equal(Expected(B64(Support.TestKeys.Private(1)), B64(Support.TestKeys.Bytes(5))), Print(snapshot, hideKeys: false));
    }

    [Fact]
    public void Colors_follow_wgs_scheme()
    {
        using DeviceSnapshot snapshot = Snapshot(Now);
        string text = Print(snapshot, colors: true);
        const string Reset = "\x1b[0m", Bold = "\x1b[1m", Green = "\x1b[32m", Yellow = "\x1b[33m", Cyan = "\x1b[36m";
        Assert.StartsWith($"{Reset}{Green}{Bold}interface{Reset}: {Green}wg-test{Reset}\n  {Bold}public key{Reset}: {OwnPublic}\n", text);
        Assert.Contains($"\n{Yellow}{Bold}peer{Reset}: {Yellow}{Pub(1)}{Reset}\n  {Bold}preshared key{Reset}: (hidden)\n", text);
        Assert.Contains($"  {Bold}allowed ips{Reset}: 10.0.0.0{Cyan}/{Reset}24, fd00::{Cyan}/{Reset}64, ::1.2.3.4{Cyan}/{Reset}128\n", text);
        Assert.Contains($"  {Bold}latest handshake{Reset}: 1 {Cyan}minute{Reset}, 3 {Cyan}seconds{Reset} ago\n", text);
        Assert.Contains($"  {Bold}transfer{Reset}: 1.23 {Cyan}MiB{Reset} received, 4.56 {Cyan}KiB{Reset} sent\n", text);
        Assert.Contains($"  {Bold}persistent keepalive{Reset}: every 25 {Cyan}seconds{Reset}\n", text);

        // Without the escapes it is exactly the plain form.
        Assert.Equal(Expected("(hidden)", "(hidden)"), System.Text.RegularExpressions.Regex.Replace(text, "\x1b\\[[0-9;]*m", ""));
    }

    [Fact]
    public void A_handshake_this_second_is_now_and_one_in_the_future_is_a_clock_warning()
    {
        using DeviceSnapshot snapshot = Snapshot(Now);
        Assert.Contains("  latest handshake: Now\n", Print(snapshot, now: Now - TimeSpan.FromSeconds(63)));
        Assert.Contains("  latest handshake: (System clock wound backward; connection problems may ensue.)\n",
            Print(snapshot, now: Now - TimeSpan.FromSeconds(64)));
        Assert.Contains("(\x1b[31mSystem clock wound backward; connection problems may ensue.\x1b[0m)",
            Print(snapshot, colors: true, now: Now - TimeSpan.FromSeconds(64)));
    }

    [Fact]
    public void A_bare_interface_has_only_its_name_line()
    {
        using var snapshot = new DeviceSnapshot();
        Assert.Equal("interface: wg-test\n", Print(snapshot));
        Assert.Equal("\x1b[0m\x1b[32m\x1b[1minterface\x1b[0m: \x1b[32mwg-test\x1b[0m\n", Print(snapshot, colors: true));
    }

    [Fact]
    public void Appended_sections_follow_the_peers_after_a_blank_line()
    {
        using DeviceSnapshot snapshot = Snapshot(Now);
        using var writer = new ShowWriter();
        ShowSection extra = static (w, device) => w.StartBlock().Text($"rules of {device.Name}:\n");
        PrettyPrinter.Write(writer, new ShownDevice("wg-test", snapshot, Now), [.. PrettyPrinter.WgSections, extra]);
        Assert.Equal(Expected("(hidden)", "(hidden)") + "\nrules of wg-test:\n", writer.Written);

        using var bare = new DeviceSnapshot();
        using var second = new ShowWriter();
        PrettyPrinter.Write(second, new ShownDevice("wg-test", bare, Now), [.. PrettyPrinter.WgSections, extra]);
        Assert.Equal("interface: wg-test\n\nrules of wg-test:\n", second.Written);
    }

    [Fact]
    public void Peers_with_equal_handshakes_keep_the_daemons_order()
    {
        var state = State(Now);
        foreach (var peer in state.Peers)
        {
            peer.LastHandshake = Now;
        }

        var device = new Support.FakeDevice();
        device.Set(state);
        using DeviceSnapshot snapshot = device.GetSnapshot();
        string text = Print(snapshot);
        Assert.True(text.IndexOf(Pub(2), StringComparison.Ordinal) < text.IndexOf(Pub(1), StringComparison.Ordinal));
        Assert.True(text.IndexOf(Pub(1), StringComparison.Ordinal) < text.IndexOf(Pub(3), StringComparison.Ordinal));
    }
}
