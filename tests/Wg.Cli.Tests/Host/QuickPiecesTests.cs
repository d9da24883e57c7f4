// The small parts of `up`/`down`: hook expansion, resolvconf's record name and input, the guard rules and
// the recognition of the kernel's local rule, process start times, and SaveConfig's composition.
using System.Net;
using System.Net.Sockets;
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Host;
using WgSharp.Cli.Tests.Support;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Tun;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;
using static WgSharp.Cli.Tests.Config.ConfigTestKeys;

namespace WgSharp.Cli.Tests.Quick;

public class QuickPiecesTests
{
    [Theory]
    [InlineData("iptables -A FORWARD -i %i -j ACCEPT", "iptables -A FORWARD -i wg7 -j ACCEPT")]
    [InlineData("echo %i%i %%i", "echo wg7wg7 %wg7")]
    [InlineData("echo %I", "echo %I")]
    public void Hooks_have_every_percent_i_replaced(string hook, string expected) =>
        Assert.Equal(expected, HookRunner.Expand(hook, "wg7"));

    [Fact]
    public void The_resolvconf_record_name_takes_the_first_wildcard_of_interface_order()
    {
        string directory = TestNames.TempDirectory();
        try
        {
            string order = Path.Combine(directory, "interface-order");
            File.WriteAllText(order, "# interface-order(5)\nlo.inet6\nlo.inet\nlo.@(dnsmasq|pdnsd)\nlo.!(pdns|pdns-recursor)\nlo\ntun*\ntap*\nhso*\nem+([0-9])?(_+([0-9]))*\n");
            Assert.Equal("tun.", ResolvConf.InterfacePrefix(order));
            File.WriteAllText(order, "lo\neth*\n");
            Assert.Equal("eth.", ResolvConf.InterfacePrefix(order));
            File.WriteAllText(order, "lo\n");
            Assert.Equal("", ResolvConf.InterfacePrefix(order));
            Assert.Equal("", ResolvConf.InterfacePrefix(Path.Combine(directory, "missing")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Resolvconf_gets_nameserver_lines_then_one_search_line()
    {
        Assert.Equal("nameserver 10.0.0.1\nnameserver fd00::1\nsearch example.com corp\n",
            ResolvConf.Records([IPAddress.Parse("10.0.0.1"), IPAddress.Parse("fd00::1")], ["example.com", "corp"]));
        Assert.Equal("nameserver 10.0.0.1\n", ResolvConf.Records([IPAddress.Parse("10.0.0.1")], []));
    }

    [Fact]
    public void The_guard_lets_the_tunnel_and_this_host_reach_the_address_and_drops_the_rest()
    {
        RuleEntry[] rules = KernelRules.TunnelAddressGuard(IPAddress.Parse("fd05::2"), "wg7");
        Assert.Equal(
            ["pref 0 to fd05::2/128 iif wg7 table local proto static", "pref 0 to fd05::2/128 iif lo table local proto static", "pref 0 to fd05::2/128 blackhole proto static"],
            rules.Select(r => r.ToCommandArguments()));
        Assert.All(rules, r => Assert.Equal(AddressFamily.InterNetworkV6, r.Family));
        // None of them looks like the local rule, so restoring the local rule never mistakes one for it.
        Assert.DoesNotContain(rules, KernelRules.IsLocalRule);
    }

    [Fact]
    public void Only_a_plain_lookup_local_rule_is_the_local_rule()
    {
        var local = new RuleEntry { Family = AddressFamily.InterNetwork, Priority = 0, Table = 255, Protocol = RouteProtocol.Kernel };
        Assert.True(KernelRules.IsLocalRule(local));
        Assert.True(KernelRules.IsLocalRule(local with { Priority = 1000, Protocol = null }));
        Assert.False(KernelRules.IsLocalRule(local with { Table = 254 }));
        Assert.False(KernelRules.IsLocalRule(local with { FwMark = 1 }));
        Assert.False(KernelRules.IsLocalRule(local with { InputInterface = "eth0" }));
        Assert.False(KernelRules.IsLocalRule(local with { To = RoutePrefix.Parse("10.0.0.1/32") }));
        Assert.False(KernelRules.IsLocalRule(local with { Action = WgSharp.Tun.Netlink.RuleAction.Blackhole }));
    }

    [Fact]
    public void A_process_is_recognised_by_pid_and_start_time()
    {
        int self = Environment.ProcessId;
        ulong? start = ProcessSignals.StartTime(self);
        Assert.NotNull(start);
        Assert.True(ProcessSignals.IsRunning(self, start.Value));
        Assert.True(ProcessSignals.IsRunning(self, 0));
        Assert.False(ProcessSignals.IsRunning(self, start.Value + 1)); // the same pid, another process
        Assert.Null(ProcessSignals.StartTime(int.MaxValue));
        Assert.False(ProcessSignals.IsRunning(0, 0));
    }

    [Fact]
    public void Rules_unavailable_errnos_are_told_apart_from_mistakes()
    {
        Assert.True(QuickUp.MeansRulesUnavailable(Errno.EPERM));
        Assert.True(QuickUp.MeansRulesUnavailable(Errno.EAFNOSUPPORT));
        Assert.True(QuickUp.MeansRulesUnavailable(Errno.EOPNOTSUPP));
        Assert.False(QuickUp.MeansRulesUnavailable(Errno.EINVAL));
        Assert.False(QuickUp.MeansRulesUnavailable(Errno.EEXIST));
    }

    [Fact]
    public void SaveConfig_writes_the_running_device_with_the_files_own_settings_and_not_ups_fwmark()
    {
        string text = $"""
            [Interface]
            PrivateKey = {PrivateBase64(1)}
            Address = 10.5.0.2/32
            DNS = 10.5.0.1, example.com
            MTU = 1400
            PostUp = echo up %i
            SaveConfig = true
            User = nobody

            [Peer]
            Name = hub
            PublicKey = {PublicBase64(1)}
            Endpoint = hub.example.net:51820
            AllowedIPs = 0.0.0.0/0
            """;
        using InterfaceConfig original = ParseValid(text);
        original.Peers[0].ResolvedEndpoint = IPEndPoint.Parse("198.51.100.1:51820");
        using var device = new DeviceSnapshot
        {
            PrivateKey = PrivateKey.FromBytes(TestKeys.Private(1)),
            ListenPort = 40000,
            FirewallMark = 51820, // set by up for policy routing
            Peers =
            [
                new PeerSnapshot { PublicKey = TestKeys.Public(1), Endpoint = IPEndPoint.Parse("198.51.100.1:51820"), AllowedIps = [IPNetwork.Parse("0.0.0.0/0")], PersistentKeepaliveInterval = 25 },
                new PeerSnapshot { PublicKey = TestKeys.Public(2), Endpoint = IPEndPoint.Parse("[2001:db8::9]:4000"), AllowedIps = [IPNetwork.Parse("10.9.0.0/16")] },
            ],
        };

        string saved = ConfigSaver.Compose(original, device, [RoutePrefix.Parse("10.5.0.2/32"), RoutePrefix.Parse("10.5.0.3/32")], 1380, markSetByUp: 51820);

        Assert.Equal($"""
            [Interface]
            PrivateKey = {PrivateBase64(1)}
            ListenPort = 40000
            Address = 10.5.0.2/32, 10.5.0.3/32
            DNS = 10.5.0.1, example.com
            MTU = 1380
            PostUp = echo up %i
            SaveConfig = true
            User = nobody

            [Peer]
            Name = hub
            PublicKey = {PublicBase64(1)}
            AllowedIPs = 0.0.0.0/0
            Endpoint = hub.example.net:51820
            PersistentKeepalive = 25

            [Peer]
            PublicKey = {PublicBase64(2)}
            AllowedIPs = 10.9.0.0/16
            Endpoint = [2001:db8::9]:4000

            """, saved);
        using InterfaceConfig reparsed = ParseValid(saved);
        Assert.Equal(2, reparsed.Peers.Count);
    }
}
