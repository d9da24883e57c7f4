// ConfigParser on valid files: every wg and wg-quick key, case-insensitive names, comments, white
// space, accumulating keys, last-wins keys, and the default values.
using System.Net;
using WgSharp.Cli.Configuration;
using WgSharp.Tun.Net;
using static WgSharp.Cli.Tests.Config.ConfigTestKeys;

namespace WgSharp.Cli.Tests.Config;

public class ConfigParserTests
{
    [Fact]
    public void Every_interface_key_is_read()
    {
        using InterfaceConfig config = ParseValid($"""
            [Interface]
            PrivateKey = {PrivateBase64(1)}
            ListenPort = 51820
            FwMark = 0x1234
            Address = 10.0.0.2/24, fd00::2/64
            DNS = 10.0.0.1, fd00::1, example.com
            MTU = 1420
            Table = 1234
            PreUp = echo pre-up %i
            PostUp = ip rule add from 10.0.0.2 table 1234
            PreDown = echo pre-down
            PostDown = echo post-down
            SaveConfig = true
            """);

        Assert.Equal(PrivateBase64(1), config.PrivateKey!.ExportBase64());
        Assert.Equal((ushort)51820, config.ListenPort);
        Assert.Equal(0x1234u, config.FirewallMark);
        Assert.Equal([new RoutePrefix(IPAddress.Parse("10.0.0.2"), 24), new RoutePrefix(IPAddress.Parse("fd00::2"), 64)], config.Addresses);
        Assert.Equal([IPAddress.Parse("10.0.0.1"), IPAddress.Parse("fd00::1")], config.DnsServers);
        Assert.Equal(["example.com"], config.DnsSearch);
        Assert.Equal(1420, config.Mtu);
        Assert.Equal(new RouteTable(RouteTableMode.Table, 1234, "1234"), config.Table);
        Assert.Equal(["echo pre-up %i"], config.PreUp);
        Assert.Equal(["ip rule add from 10.0.0.2 table 1234"], config.PostUp);
        Assert.Equal(["echo pre-down"], config.PreDown);
        Assert.Equal(["echo post-down"], config.PostDown);
        Assert.True(config.SaveConfig);
        Assert.Equal(1, config.Line);
        Assert.Equal("wg3.conf", config.FileName);
    }

    [Fact]
    public void Every_peer_key_is_read()
    {
        using InterfaceConfig config = ParseValid($"""
            {Interface}
            [Peer]
            PublicKey = {PublicBase64(1)}
            PresharedKey = {PresharedBase64(1)}
            AllowedIPs = 10.0.0.0/24, fd00::/64, 192.168.7.1
            Endpoint = 198.51.100.42:51820
            PersistentKeepalive = 25

            [Peer]
            PublicKey = {PublicBase64(2)}
            Endpoint = [2001:db8::1]:4500
            PersistentKeepalive = off

            [Peer]
            PublicKey = {PublicBase64(3)}
            Endpoint = vpn.example.com:51820
            """);

        Assert.Equal(3, config.Peers.Count);
        PeerConfig first = config.Peers[0];
        Assert.Equal(PublicBase64(1), first.PublicKey.ToBase64());
        Assert.Equal(PresharedBase64(1), first.PresharedKey!.ExportBase64());
        Assert.Equal([IPNetwork.Parse("10.0.0.0/24"), IPNetwork.Parse("fd00::/64"), IPNetwork.Parse("192.168.7.1/32")], first.AllowedIps);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.42"), 51820), first.ResolvedEndpoint);
        Assert.Equal((ushort)25, first.PersistentKeepalive);
        Assert.Equal(4, first.Line);

        PeerConfig second = config.Peers[1];
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 4500), second.ResolvedEndpoint);
        Assert.Equal((ushort)0, second.PersistentKeepalive);
        Assert.Null(second.PresharedKey);
        Assert.Empty(second.AllowedIps);

        PeerConfig third = config.Peers[2];
        Assert.Equal(new ConfigEndpoint("vpn.example.com", 51820, null, 18), third.Endpoint);
        Assert.Null(third.ResolvedEndpoint); // resolved at `up`, not while parsing
        Assert.Null(third.PersistentKeepalive);
    }

    [Fact]
    public void Defaults_when_keys_are_absent()
    {
        using InterfaceConfig config = ParseValid(Interface);
        Assert.Null(config.ListenPort);
        Assert.Null(config.FirewallMark);
        Assert.Null(config.Mtu);
        Assert.Equal(RouteTableMode.Auto, config.Table.Mode);
        Assert.False(config.SaveConfig);
        Assert.Equal(MssClampMode.Off, config.MssClamp.Mode);
        Assert.Empty(config.Addresses);
        Assert.Empty(config.Peers);
        Assert.Empty(config.Rules);
        Assert.Empty(config.Forwards);
    }

    [Fact]
    public void Section_and_key_names_are_case_insensitive()
    {
        using InterfaceConfig config = ParseValid($"""
            [INTERFACE]
            privatekey = {PrivateBase64(1)}
            LISTENPORT = 1
            fwmark = OFF
            aDdReSs = 10.0.0.1/32
            dns = 10.0.0.53
            mtu = 1280
            TABLE = OFF
            preup = a
            POSTUP = b
            predown = c
            postdown = d
            saveconfig = FALSE
            mssclamp = AUTO
            [peer]
            publickey = {PublicBase64(1)}
            PRESHAREDKEY = {PresharedBase64(1)}
            allowedips = 10.1.0.0/16
            ENDPOINT = 192.0.2.1:1
            persistentkeepalive = OFF
            NAME = nord
            inbound = ESTABLISHED
            routes = When-Up
            """);

        Assert.Equal((ushort)1, config.ListenPort);
        Assert.Equal(0u, config.FirewallMark);
        Assert.Single(config.Addresses);
        Assert.Single(config.DnsServers);
        Assert.Equal(1280, config.Mtu);
        Assert.Equal(RouteTableMode.Off, config.Table.Mode);
        Assert.Equal(["a"], config.PreUp);
        Assert.Equal(["b"], config.PostUp);
        Assert.Equal(["c"], config.PreDown);
        Assert.Equal(["d"], config.PostDown);
        Assert.False(config.SaveConfig);
        Assert.Equal(MssClampMode.Auto, config.MssClamp.Mode);
        PeerConfig peer = Assert.Single(config.Peers);
        Assert.NotNull(peer.PresharedKey);
        Assert.Single(peer.AllowedIps);
        Assert.NotNull(peer.ResolvedEndpoint);
        Assert.Equal((ushort)0, peer.PersistentKeepalive);
        Assert.Equal("nord", peer.Name);
        Assert.Equal(InboundPolicy.Established, peer.Inbound);
        Assert.Equal(RoutesPolicy.WhenUp, peer.Routes);
    }

    [Fact]
    public void Comments_blank_lines_white_space_and_crlf_are_ignored()
    {
        string text = "# a comment before everything\r\n"
            + "\r\n"
            + "   [Interface]   # the interface\r\n"
            + $"\tPrivateKey\t=\t{PrivateBase64(1)}   # secret\r\n"
            + "  ListenPort =   51820#no space before the comment\r\n"
            + "   \t  \r\n"
            + "# [Peer] in a comment is no section\r\n"
            + "PostUp = echo a   b  # hooks keep their inner spaces\r\n"
            + "[Peer]\r\n"
            + $"PublicKey = {PublicBase64(1)}\r\n"
            + "AllowedIPs = 10.0.0.0/8 , 10.1.0.0 / 16   # wg removes white space inside values\r\n"
            + "Endpoint = 192.0.2.1 : 51820"; // no final newline
        using InterfaceConfig config = ParseValid(text);
        Assert.Equal((ushort)51820, config.ListenPort);
        Assert.Equal(["echo a   b"], config.PostUp);
        PeerConfig peer = Assert.Single(config.Peers);
        Assert.Equal([IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("10.1.0.0/16")], peer.AllowedIps);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 51820), peer.ResolvedEndpoint);
        Assert.Equal(9, peer.Line);
    }

    [Fact]
    public void Address_dns_allowed_ips_and_hooks_accumulate_over_lines()
    {
        using InterfaceConfig config = ParseValid($"""
            [Interface]
            PrivateKey = {PrivateBase64(1)}
            Address = 10.0.0.2/24
            Address = fd00::2/64,10.0.1.2/24  192.168.0.2
            DNS = 1.1.1.1
            DNS = 9.9.9.9, corp.example, lan
            PostUp = first
            PostUp = second
            [Peer]
            PublicKey = {PublicBase64(1)}
            AllowedIPs = 10.0.0.0/24
            AllowedIPs = 10.9.0.0/16
            """);

        Assert.Equal(["10.0.0.2/24", "fd00::2/64", "10.0.1.2/24", "192.168.0.2/32"], config.Addresses.Select(a => a.ToString()));
        Assert.Equal([IPAddress.Parse("1.1.1.1"), IPAddress.Parse("9.9.9.9")], config.DnsServers);
        Assert.Equal(["corp.example", "lan"], config.DnsSearch);
        Assert.Equal(["first", "second"], config.PostUp);
        Assert.Equal([IPNetwork.Parse("10.0.0.0/24"), IPNetwork.Parse("10.9.0.0/16")], config.Peers[0].AllowedIps);
    }

    [Fact]
    public void Single_valued_keys_take_the_last_line_as_wg_does()
    {
        using InterfaceConfig config = ParseValid($"""
            [Interface]
            PrivateKey = {PrivateBase64(2)}
            PrivateKey = {PrivateBase64(1)}
            ListenPort = 1
            ListenPort = 2
            MTU = 1400
            MTU =
            [Peer]
            PublicKey = {PublicBase64(9)}
            PublicKey = {PublicBase64(1)}
            PersistentKeepalive = 5
            PersistentKeepalive = 6
            """);

        Assert.Equal(PrivateBase64(1), config.PrivateKey!.ExportBase64());
        Assert.Equal((ushort)2, config.ListenPort);
        Assert.Null(config.Mtu); // an empty MTU means automatic, as in wg-quick
        Assert.Equal(PublicBase64(1), config.Peers[0].PublicKey.ToBase64());
        Assert.Equal(10, config.Peers[0].PublicKeyLine);
        Assert.Equal((ushort)6, config.Peers[0].PersistentKeepalive);
    }

    [Fact]
    public void Several_interface_sections_merge_and_peers_may_come_first()
    {
        using InterfaceConfig config = ParseValid($"""
            [Peer]
            PublicKey = {PublicBase64(1)}
            [Interface]
            PrivateKey = {PrivateBase64(1)}
            [Interface]
            ListenPort = 7
            """);
        Assert.Equal(3, config.Line);
        Assert.Equal((ushort)7, config.ListenPort);
        Assert.Single(config.Peers);
    }

    [Theory]
    [InlineData("0", 0u)]
    [InlineData("off", 0u)]
    [InlineData("Off", 0u)]
    [InlineData("4294967295", 4294967295u)]
    [InlineData("0xffffffff", 4294967295u)]
    [InlineData("0x10", 16u)]
    [InlineData("010", 10u)] // decimal with a leading zero, as wg's strtoul(..., 10)
    public void FwMark_values(string text, uint expected)
    {
        using InterfaceConfig config = ParseValid(Interface + $"FwMark = {text}\n");
        Assert.Equal(expected, config.FirewallMark);
    }

    [Theory]
    [InlineData("auto", (int)RouteTableMode.Auto, 0u)]
    [InlineData("", (int)RouteTableMode.Auto, 0u)]
    [InlineData("off", (int)RouteTableMode.Off, 0u)]
    [InlineData("51820", (int)RouteTableMode.Table, 51820u)]
    [InlineData("0x100", (int)RouteTableMode.Table, 256u)]
    [InlineData("vpn", (int)RouteTableMode.Table, 200u)]
    [InlineData("main", (int)RouteTableMode.Table, 254u)]
    public void Table_values(string text, int mode, uint id)
    {
        using InterfaceConfig config = ParseValid(Interface + $"Table = {text}\n");
        Assert.Equal((RouteTableMode)mode, config.Table.Mode);
        Assert.Equal(id, config.Table.Id);
    }

    [Fact]
    public void Table_names_come_from_rt_tables_by_default()
    {
        // The real lookup: the reserved names are always there.
        Assert.Equal(254u, RouteTableNames.Lookup("main"));
        Assert.Null(RouteTableNames.Lookup("no-such-table-name"));
        string dir = Support.TestNames.TempDirectory();
        try
        {
            string file = Path.Combine(dir, "rt_tables");
            File.WriteAllText(file, "# comment\n100\tcorp # trailing\n0x20 hexed\nbroken\n");
            Assert.Equal(100u, RouteTableNames.LookupIn(file, "corp"));
            Assert.Equal(32u, RouteTableNames.LookupIn(file, "hexed"));
            Assert.Null(RouteTableNames.LookupIn(file, "broken"));
            Assert.Null(RouteTableNames.LookupIn(Path.Combine(dir, "missing"), "corp"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("1.2.3.4:51820", "1.2.3.4", 51820)]
    [InlineData("[2001:db8::1]:1", "2001:db8::1", 1)]
    [InlineData("::1:51820", "::1", 51820)] // wg splits at the last colon when there are no brackets
    [InlineData("[::ffff:192.0.2.1]:65535", "::ffff:192.0.2.1", 65535)]
    [InlineData("[fe80::1%1]:51820", "fe80::1%1", 51820)]
    [InlineData("10.0.0.1:051820", "10.0.0.1", 51820)]
    public void Endpoint_literals(string text, string address, int port)
    {
        using InterfaceConfig config = ParseValid(Interface + $"[Peer]\nPublicKey = {PublicBase64(1)}\nEndpoint = {text}\n");
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), config.Peers[0].ResolvedEndpoint);
        Assert.True(config.Peers[0].Endpoint!.IsLiteral);
    }

    [Theory]
    [InlineData("vpn.example.com:51820", "vpn.example.com")]
    [InlineData("localhost:1", "localhost")]
    [InlineData("my_host-1.lan.:443", "my_host-1.lan.")]
    public void Endpoint_host_names_are_kept_for_later(string text, string host)
    {
        using InterfaceConfig config = ParseValid(Interface + $"[Peer]\nPublicKey = {PublicBase64(1)}\nEndpoint = {text}\n");
        Assert.Equal(host, config.Peers[0].Endpoint!.Host);
        Assert.Null(config.Peers[0].ResolvedEndpoint);
    }

    [Fact]
    public void Allowed_ip_with_host_bits_is_canonical_with_a_warning()
    {
        ConfigParseResult result = Parse(Interface + $"[Peer]\nPublicKey = {PublicBase64(1)}\nAllowedIPs = 10.0.0.1/8, 10.0.0.0/08\n");
        Assert.True(result.Succeeded);
        using InterfaceConfig config = result.Config!;
        Assert.Equal([IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8")], config.Peers[0].AllowedIps);
        ConfigError warning = Assert.Single(result.Warnings);
        Assert.Equal("wg3.conf:5: AllowedIPs: '10.0.0.1/8' has host bits set; it stands for 10.0.0.0/8", warning.ToString());
    }

    [Fact]
    public void All_zero_preshared_key_means_none()
    {
        using InterfaceConfig config = ParseValid(Interface + $"[Peer]\nPublicKey = {PublicBase64(1)}\nPresharedKey = {Convert.ToBase64String(new byte[32])}\n");
        Assert.Null(config.Peers[0].PresharedKey);
    }

    [Fact]
    public void Empty_wg_quick_values_are_allowed_as_wg_quick_allows_them()
    {
        using InterfaceConfig config = ParseValid(Interface + "Address =\nDNS =\nPostUp =\nTable =\n");
        Assert.Empty(config.Addresses);
        Assert.Empty(config.DnsServers);
        Assert.Empty(config.PostUp);
    }

    [Fact]
    public void Utf8_byte_order_mark_and_file_reading()
    {
        string dir = Support.TestNames.TempDirectory();
        try
        {
            string path = Path.Combine(dir, "wg5.conf");
            File.WriteAllText(path, Interface, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
            using InterfaceConfig config = ConfigParser.Load(path, Options);
            Assert.Equal(path, config.FileName);
            Assert.NotNull(config.PrivateKey);

            ConfigParseResult missing = ConfigParser.ParseFile(Path.Combine(dir, "nope.conf"), Options);
            Assert.StartsWith($"{dir}/nope.conf: cannot read the file: ", Assert.Single(missing.Errors).ToString());
            var thrown = Assert.Throws<ConfigException>(() => ConfigParser.Load(Path.Combine(dir, "nope.conf"), Options));
            Assert.Single(thrown.Errors);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
