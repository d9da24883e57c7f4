// UapiSetParser: every key of a set transaction, good and bad values, and the errno wireguard-go
// answers each bad line with (device/uapi.go): -EPROTO without '=', -EINVAL otherwise.
using System.Net;
using WgSharp.Cli.Tests.Support;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;
using Xunit.Abstractions;

namespace WgSharp.Cli.Tests.Uapi;

public class UapiSetParserTests(ITestOutputHelper output)
{
    private static readonly string PeerA = "public_key=" + TestKeys.Public(1).ToHex();
    private static readonly string PeerB = "public_key=" + TestKeys.Public(2).ToHex();
    private static readonly string PrivateHex = TestKeys.Hex(TestKeys.Private(7));
    private static readonly string PresharedHex = TestKeys.Hex(TestKeys.Bytes(9));
    private static readonly string ZeroHex = new('0', 64);

    private static DeviceUpdate Parse(params string[] lines) => UapiSetParser.Parse(lines);

    private static int ErrnoOf(params string[] lines)
    {
        var error = Assert.Throws<ConfigurationException>(() => Parse(lines).Dispose());
        return error.Errno;
    }

    [Fact]
    public void Device_keys_are_parsed()
    {
        using DeviceUpdate update = Parse("private_key=" + PrivateHex, "listen_port=51820", "fwmark=4294967295", "replace_peers=true");
        Assert.Equal(PrivateHex, update.PrivateKey!.ExportHex());
        Assert.Equal((ushort)51820, update.ListenPort);
        Assert.Equal(uint.MaxValue, update.FirewallMark);
        Assert.True(update.ReplacePeers);
        Assert.Empty(update.Peers);
    }

    [Fact]
    public void Empty_request_is_an_empty_update()
    {
        using DeviceUpdate update = Parse();
        Assert.True(update.IsEmpty);
    }

    [Fact]
    public void Zero_private_key_means_remove_and_upper_case_hex_is_accepted()
    {
        using (DeviceUpdate update = Parse("private_key=" + ZeroHex))
        {
            Assert.True(update.PrivateKey!.IsZero);
        }

        using (DeviceUpdate update = Parse("private_key=" + PrivateHex.ToUpperInvariant()))
        {
            Assert.Equal(PrivateHex, update.PrivateKey!.ExportHex());
        }
    }

    [Fact]
    public void Later_device_values_win()
    {
        using DeviceUpdate update = Parse("listen_port=1", "listen_port=2", "fwmark=5", "fwmark=0");
        Assert.Equal((ushort)2, update.ListenPort);
        Assert.Equal(0u, update.FirewallMark);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("65535", 65535)]
    [InlineData("00080", 80)] // strconv.ParseUint allows leading zeros
    public void Listen_port_accepts_16_bit_decimals(string value, int expected)
    {
        using DeviceUpdate update = Parse("listen_port=" + value);
        Assert.Equal((ushort)expected, update.ListenPort);
    }

    [Theory]
    [InlineData("listen_port=65536")]
    [InlineData("listen_port=-1")]
    [InlineData("listen_port=+1")]
    [InlineData("listen_port= 1")]
    [InlineData("listen_port=")]
    [InlineData("listen_port=0x10")]
    [InlineData("listen_port=99999999999999999999999")]
    [InlineData("fwmark=4294967296")]
    [InlineData("fwmark=0x10")]
    [InlineData("fwmark=")]
    [InlineData("private_key=abc")]
    [InlineData("private_key=")]
    [InlineData("replace_peers=false")]
    [InlineData("replace_peers=1")]
    [InlineData("replace_peers=TRUE")]
    [InlineData("foo=bar")]                          // unknown device key
    [InlineData("endpoint=1.2.3.4:5")]               // a peer key before any public_key
    [InlineData("protocol_version=1")]               // likewise
    [InlineData("public_key=zz")]
    [InlineData("public_key=")]
    public void Bad_device_lines_are_EINVAL(string line) => Assert.Equal(-22, ErrnoOf(line));

    [Theory]
    [InlineData("listen_port")]
    [InlineData("")]
    [InlineData("get")]
    public void Lines_without_equals_are_EPROTO(string line) => Assert.Equal(-71, ErrnoOf("listen_port=1", line));

    [Fact]
    public void Bad_private_key_message_does_not_echo_the_value()
    {
        string almostKey = PrivateHex[..63] + "g";
        var error = Assert.Throws<ConfigurationException>(() => Parse("private_key=" + almostKey));
        Assert.DoesNotContain(PrivateHex[..40], error.Message);
        error = Assert.Throws<ConfigurationException>(() => Parse(PeerA, "preshared_key=" + almostKey));
        Assert.DoesNotContain(PrivateHex[..40], error.Message);
    }

    [Fact]
    public void Peer_keys_are_parsed()
    {
        using DeviceUpdate update = Parse(
            PeerA, "protocol_version=1", "preshared_key=" + PresharedHex, "endpoint=192.0.2.1:51820",
            "persistent_keepalive_interval=25", "replace_allowed_ips=true", "allowed_ip=10.0.0.0/24", "allowed_ip=fd00::/64");
        PeerUpdate peer = Assert.Single(update.Peers);
        Assert.Equal(TestKeys.Public(1), peer.PublicKey);
        Assert.Equal(1, peer.ProtocolVersion);
        Assert.Equal(PresharedHex, peer.PresharedKey!.ExportHex());
        Assert.Equal(IPEndPoint.Parse("192.0.2.1:51820"), peer.Endpoint);
        Assert.Equal((ushort)25, peer.PersistentKeepaliveInterval);
        Assert.True(peer.ReplaceAllowedIps);
        Assert.Equal([Add("10.0.0.0/24"), Add("fd00::/64")], peer.AllowedIpChanges);
        Assert.False(peer.Remove);
        Assert.False(peer.UpdateOnly);
    }

    [Fact]
    public void Update_only_and_remove_are_flags_of_their_section()
    {
        using DeviceUpdate update = Parse(PeerA, "update_only=true", "endpoint=1.2.3.4:5", PeerB, "remove=true");
        Assert.True(update.Peers[0].UpdateOnly);
        Assert.False(update.Peers[0].Remove);
        Assert.True(update.Peers[1].Remove);
        Assert.False(update.Peers[1].UpdateOnly);
    }

    [Fact]
    public void Sections_keep_request_order_even_for_the_same_key()
    {
        using DeviceUpdate update = Parse("replace_peers=true", PeerA, "remove=true", PeerB, PeerA, "allowed_ip=10.0.0.0/8");
        Assert.Equal([TestKeys.Public(1), TestKeys.Public(2), TestKeys.Public(1)], update.Peers.Select(p => p.PublicKey));
        Assert.True(update.Peers[0].Remove);
        Assert.False(update.Peers[2].Remove);
        Assert.Equal([Add("10.0.0.0/8")], update.Peers[2].AllowedIpChanges);
    }

    [Fact]
    public void Device_keys_after_a_public_key_are_peer_lines_and_refused()
    {
        Assert.Equal(-22, ErrnoOf(PeerA, "listen_port=1"));
        Assert.Equal(-22, ErrnoOf(PeerA, "private_key=" + PrivateHex));
    }

    [Fact]
    public void Preshared_key_zero_means_remove()
    {
        using DeviceUpdate update = Parse(PeerA, "preshared_key=" + ZeroHex);
        Assert.True(update.Peers[0].PresharedKey!.IsZero);
    }

    [Fact]
    public void Allowed_ips_are_canonicalized_and_may_be_removed_in_order()
    {
        using DeviceUpdate update = Parse(PeerA, "allowed_ip=10.0.0.1/24", "allowed_ip=-10.1.0.0/16", "allowed_ip=fd00::1:2/112",
            "allowed_ip=-::/0", "allowed_ip=0.0.0.0/0", "allowed_ip=::ffff:1.2.3.4/128");
        Assert.Equal(
            [Add("10.0.0.0/24"), Remove("10.1.0.0/16"), Add("fd00::1:0/112"), Remove("::/0"), Add("0.0.0.0/0"), Add("::ffff:1.2.3.4/128")],
            update.Peers[0].AllowedIpChanges);
    }

    [Fact]
    public void Replace_allowed_ips_discards_the_changes_listed_before_it()
    {
        using DeviceUpdate update = Parse(PeerA, "allowed_ip=10.0.0.0/8", "allowed_ip=-10.2.0.0/16", "replace_allowed_ips=true", "allowed_ip=10.1.0.0/16");
        Assert.True(update.Peers[0].ReplaceAllowedIps);
        Assert.Equal([Add("10.1.0.0/16")], update.Peers[0].AllowedIpChanges);
    }

    [Theory]
    [InlineData("192.0.2.1:51820", "192.0.2.1", 51820)]
    [InlineData("[2001:db8::1]:51820", "2001:db8::1", 51820)]
    [InlineData("[::ffff:192.0.2.1]:1", "::ffff:192.0.2.1", 1)]
    [InlineData("[fe80::1%1]:5", "fe80::1%1", 5)]
    [InlineData("[fe80::1%lo]:5", "fe80::1%1", 5)]   // zone names resolve through if_nametoindex
    [InlineData("0.0.0.0:0", "0.0.0.0", 0)]
    [InlineData("1.2.3.4:0051820", "1.2.3.4", 51820)]
    public void Endpoints_are_parsed(string value, string address, int port)
    {
        using DeviceUpdate update = Parse(PeerA, "endpoint=" + value);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), update.Peers[0].Endpoint);
    }

    [Theory]
    [InlineData("endpoint=2001:db8::1:51820")]     // IPv6 needs brackets
    [InlineData("endpoint=[192.0.2.1]:5")]         // IPv4 must not have them
    [InlineData("endpoint=192.0.2.1")]             // no port
    [InlineData("endpoint=192.0.2.1:")]
    [InlineData("endpoint=192.0.2.1:65536")]
    [InlineData("endpoint=example.com:51820")]     // names are resolved by wg, never by the daemon
    [InlineData("endpoint=01.2.3.4:5")]            // leading zero: ambiguous (octal), refused like netip
    [InlineData("endpoint=1.2.3:5")]               // shorthand IPv4
    [InlineData("endpoint=256.1.1.1:5")]
    [InlineData("endpoint=[fe80::1%]:5")]
    [InlineData("endpoint=[fe80::1%nosuchif0]:5")]
    [InlineData("endpoint=[1:2:3:4:5:6:7:8:9]:5")]
    [InlineData("endpoint=[1::2::3]:5")]
    [InlineData("endpoint=[12345::1]:5")]
    [InlineData("endpoint=")]
    [InlineData("persistent_keepalive_interval=65536")]
    [InlineData("persistent_keepalive_interval=-1")]
    [InlineData("persistent_keepalive_interval=")]
    [InlineData("allowed_ip=10.0.0.0/33")]
    [InlineData("allowed_ip=fd00::/129")]
    [InlineData("allowed_ip=10.0.0.0")]
    [InlineData("allowed_ip=10.0.0.0/")]
    [InlineData("allowed_ip=10.0.0.0/024")]
    [InlineData("allowed_ip=10.0.0.0/+8")]
    [InlineData("allowed_ip=fe80::1%1/64")]        // zones cannot appear in prefixes
    [InlineData("allowed_ip=--10.0.0.0/8")]
    [InlineData("allowed_ip=-")]
    [InlineData("allowed_ip=")]
    [InlineData("preshared_key=12")]
    [InlineData("update_only=false")]
    [InlineData("remove=yes")]
    [InlineData("replace_allowed_ips=1")]
    [InlineData("protocol_version=2")]
    [InlineData("protocol_version=")]
    [InlineData("replace_peers=true")]             // a device key inside a peer section
    [InlineData("public_key=00")]
    [InlineData("frobnicate=1")]
    public void Bad_peer_lines_are_EINVAL(string line) => Assert.Equal(-22, ErrnoOf(PeerA, line));

    [Fact]
    public void Parsing_stops_at_the_first_bad_line()
    {
        using var parser = new UapiSetParser();
        Assert.True(parser.AddLine("listen_port=1"));
        Assert.False(parser.AddLine("listen_port=x"));
        Assert.False(parser.AddLine("no equals sign")); // ignored: the first error stands
        Assert.Equal(-22, parser.Errno);
        Assert.Contains("line 2", parser.ErrorMessage);
        Assert.Throws<InvalidOperationException>(() => parser.TakeUpdate());
    }

    [Fact]
    public void Sixty_five_thousand_allowed_ips_parse_in_bounded_memory()
    {
        // A request's size is bounded, not its line count: a large AllowedIPs set must cost memory in proportion to
        // its lines (the speed is measured in bench/, not asserted here).
        var lines = new List<string>(65_538) { PeerA, "replace_allowed_ips=true" };
        for (int i = 0; i < 65_536; i++)
        {
            lines.Add(i % 2 == 0 ? $"allowed_ip=10.{i >> 8}.{i & 0xFF}.0/24" : $"allowed_ip=fd00:{i:x}::/64");
        }

        Parse(PeerA, "allowed_ip=10.0.0.0/8", "allowed_ip=fd00::/8").Dispose();
        long before = GC.GetAllocatedBytesForCurrentThread();
        using DeviceUpdate update = UapiSetParser.Parse(lines);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(65_536, update.Peers[0].AllowedIpChanges.Count);
        Assert.Equal(IPNetwork.Parse("10.255.252.0/24"), update.Peers[0].AllowedIpChanges[65_532].Network);
        Assert.Equal(IPNetwork.Parse("fd00:ffff::/64"), update.Peers[0].AllowedIpChanges[65_535].Network);
        output.WriteLine($"65,536 allowed_ip lines: {allocated / 65_536.0:F0} bytes allocated per line");
        Assert.True(allocated < 65_536L * 512, $"{allocated / 65_536.0:F0} bytes allocated per line");
    }

    private static AllowedIpChange Add(string prefix) => new(IPNetwork.Parse(prefix), false);

    private static AllowedIpChange Remove(string prefix) => new(IPNetwork.Parse(prefix), true);
}
