// WgSharp's extensions to the wg-quick file format: MssClamp, peer Name/Inbound/Routes, [Rule] and [Forward]
// sections parsed into the model, and the checks that need the whole file.
using System.Net;
using WgSharp.Cli.Configuration;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;
using static WgSharp.Cli.Tests.Config.ConfigTestKeys;

namespace WgSharp.Cli.Tests.Config;

public class ConfigExtensionTests
{
    // Lines 1-9: an interface with v4 and v6 addresses and two named peers.
    private static string Base => $"""
        [Interface]
        PrivateKey = {PrivateBase64(1)}
        Address = 10.5.0.2/32, fd05::2/128
        [Peer]
        Name = nord
        PublicKey = {PublicBase64(1)}
        [Peer]
        Name = home-gw.1
        PublicKey = {PublicBase64(2)}

        """;

    private static string OnlyError(string rest) => Assert.Single(Errors(Base + rest));

    [Theory]
    [InlineData("off", (int)MssClampMode.Off, 0)]
    [InlineData("auto", (int)MssClampMode.Auto, 0)]
    [InlineData("1380", (int)MssClampMode.Fixed, 1380)]
    [InlineData("536", (int)MssClampMode.Fixed, 536)]
    [InlineData("65495", (int)MssClampMode.Fixed, 65495)]
    public void MssClamp_values(string text, int mode, int bytes)
    {
        using InterfaceConfig config = ParseValid(Interface + $"MssClamp = {text}\n");
        Assert.Equal(new MssClampSetting((MssClampMode)mode, (ushort)bytes), config.MssClamp);
    }

    [Theory]
    [InlineData("25%", 25, true)]
    [InlineData("100%", 100, true)]
    [InlineData("1", 1, false)]
    [InlineData("4096", 4096, false)]
    [InlineData("16777216", 16777216, false)]
    public void ConntrackPerPeer_values(string text, int value, bool percent)
    {
        using InterfaceConfig config = ParseValid(Interface + $"ConntrackPerPeer = {text}\n");
        Assert.Equal(new WgSharp.Router.Configuration.RouterFlowShare(value, percent), config.ConntrackPerPeer);
        Assert.Equal(config.ConntrackPerPeer, RouterConfigurationMapper.Map(config, null).ConntrackPerPeer);
        Assert.Contains($"ConntrackPerPeer = {text}\n", ConfigWriter.Write(config));
    }

    [Theory]
    [InlineData("nobody")]
    [InlineData("wgsharp")]
    [InlineData("root")]
    [InlineData("svc_vpn-1.x")]
    [InlineData("machine$")]
    public void User_names_the_daemons_user_and_is_written_back(string name)
    {
        using InterfaceConfig config = ParseValid(Interface + $"User = {name}\n");
        Assert.Equal((name, 3), (config.User, config.UserLine));
        Assert.Contains($"User = {name}\n", ConfigWriter.Write(config));
    }

    [Fact]
    public void No_User_means_the_default()
    {
        using InterfaceConfig config = ParseValid(Interface);
        Assert.Null(config.User);
        Assert.DoesNotContain("User", ConfigWriter.Write(config));
    }

    [Fact]
    public void Every_rule_key_is_read()
    {
        using InterfaceConfig config = ParseValid(Base + """
            [Rule]
            From = 192.168.2.0/24, !192.168.2.1
            From = 192.168.3.0/24
            To = ! 192.168.0.0/16,0.0.0.0/0
            Protocol = tcp
            Port = 8000-8100
            SourcePort = 1024 - 65535
            Input = tun
            Mark = 0x200/0xff00
            Peer = nord
            Action = route
            Masquerade = yes
            Priority = 100
            [Rule]
            Input = home-gw.1
            Protocol = 47
            Mark = 7
            Action = Reject
            [Rule]
            SetMark = 0x1
            """);

        Assert.Equal(3, config.Rules.Count);
        RuleConfig rule = config.Rules[0];
        Assert.Equal(10, rule.Line);
        Assert.Equal(
        [
            new PrefixSelector(IPNetwork.Parse("192.168.2.0/24"), false),
            new PrefixSelector(IPNetwork.Parse("192.168.2.1/32"), true),
            new PrefixSelector(IPNetwork.Parse("192.168.3.0/24"), false),
        ], rule.From);
        Assert.Equal(["!192.168.0.0/16", "0.0.0.0/0"], rule.To.Select(s => s.ToString()));
        Assert.Equal(IpProtocols.Tcp, rule.Protocol);
        Assert.Equal(new PortRange(8000, 8100), rule.Port);
        Assert.Equal(new PortRange(1024, 65535), rule.SourcePort);
        Assert.Null(rule.Input);
        Assert.Equal(new Mark(0x200, 0xff00), rule.Mark);
        Assert.Equal("nord", rule.Peer);
        Assert.Equal(RouterRuleAction.Route, rule.Action);
        Assert.True(rule.Masquerade);
        Assert.Null(rule.SetMark);
        Assert.Equal(100u, rule.Priority);

        RuleConfig second = config.Rules[1];
        Assert.Equal("home-gw.1", second.Input);
        Assert.Equal((byte)47, second.Protocol);
        Assert.Equal(new Mark(7, uint.MaxValue), second.Mark);
        Assert.Equal(RouterRuleAction.Reject, second.Action);
        Assert.False(second.Masquerade);
        Assert.Null(second.Priority);

        Assert.Equal(new Mark(1, uint.MaxValue), config.Rules[2].SetMark);
    }

    [Theory]
    [InlineData("tcp", 6)]
    [InlineData("UDP", 17)]
    [InlineData("icmp", 1)]
    [InlineData("icmpv6", 58)]
    [InlineData("ipv6-icmp", 58)]
    [InlineData("sctp", 132)]
    [InlineData("0", 0)]
    [InlineData("255", 255)]
    public void Protocol_names_and_numbers(string text, int number)
    {
        using InterfaceConfig config = ParseValid(Base + $"[Rule]\nProtocol = {text}\n");
        Assert.Equal((byte)number, config.Rules[0].Protocol);
    }

    [Theory]
    [InlineData("kernel", (int)RouterRelay.Kernel)]
    [InlineData("userspace", (int)RouterRelay.Userspace)]
    public void Relay_values(string text, int relay)
    {
        using InterfaceConfig config = ParseValid(Base.Replace("Address = ", $"Relay = {text}\nAddress = ", StringComparison.Ordinal));
        Assert.Equal((RouterRelay)relay, config.Relay);
        Assert.Equal((RouterRelay)relay, RouterConfigurationMapper.Map(config, null).Relay);
        Assert.Contains($"Relay = {text}\n", ConfigWriter.Write(config));
        using InterfaceConfig without = ParseValid(Base);
        Assert.Equal(RouterRelay.Kernel, RouterConfigurationMapper.Map(without, null).Relay);
    }

    [Fact]
    public void Relay_error() =>
        Assert.Equal("wg3.conf:3: Relay: 'both' is neither kernel nor userspace",
            Assert.Single(Errors(Base.Replace("Address = ", "Relay = both\nAddress = ", StringComparison.Ordinal))));

    [Theory]
    [InlineData("new", (int)RouterRuleStates.New, "new")]
    [InlineData("established,related", (int)(RouterRuleStates.Established | RouterRuleStates.Related), "established,related")]
    [InlineData("invalid, new", (int)(RouterRuleStates.New | RouterRuleStates.Invalid), "new,invalid")]
    public void Rule_state_values(string text, int states, string written)
    {
        using InterfaceConfig config = ParseValid(Base + $"[Rule]\nInput = nord\nState = {text}\nAction = accept\n");
        Assert.Equal((RouterRuleStates)states, config.Rules[0].State);
        Assert.Equal((RouterRuleStates)states, RouterConfigurationMapper.Map(config, null).Rules[0].State);
        Assert.Contains($"State = {written}\n", ConfigWriter.Write(config));
    }

    [Theory]
    [InlineData("State = ", "State: a value is required")]
    [InlineData("State = untracked", "State: 'untracked' is not one or more of new, established, related, invalid, separated by commas, each once")]
    [InlineData("State = new,new", "State: 'new,new' is not one or more of new, established, related, invalid, separated by commas, each once")]
    [InlineData("State = established", "State: established needs Action = accept, drop or reject (or SetMark): a tracked flow keeps the route it got when it started")]
    public void Rule_state_errors(string line, string message) =>
        Assert.Equal("wg3.conf:11: " + message, OnlyError("[Rule]\n" + line + "\n"));

    [Fact]
    public void Every_forward_key_is_read()
    {
        using InterfaceConfig config = ParseValid(Base + """
            [Forward]
            Protocol = tcp
            Port = 8080
            To = 192.168.2.10:80
            [Forward]
            Protocol = udp
            Port = 5000-5010
            To = 192.168.2.11
            [Forward]
            Protocol = tcp
            Port = 8080
            To = [fd00::10]:80
            [Forward]
            Protocol = tcp
            Port = 443
            To = fd00::11
            """);

        Assert.Equal(4, config.Forwards.Count);
        Assert.Equal((IpProtocols.Tcp, new PortRange(8080, 8080), IPAddress.Parse("192.168.2.10"), (ushort?)80),
            (config.Forwards[0].Protocol, config.Forwards[0].Port, config.Forwards[0].ToAddress, config.Forwards[0].ToPort));
        Assert.Equal((IpProtocols.Udp, new PortRange(5000, 5010), IPAddress.Parse("192.168.2.11"), (ushort?)null),
            (config.Forwards[1].Protocol, config.Forwards[1].Port, config.Forwards[1].ToAddress, config.Forwards[1].ToPort));
        Assert.Equal("[fd00::10]:80", config.Forwards[2].FormatTo()); // same port as the first, other family: no overlap
        Assert.Equal("fd00::11", config.Forwards[3].FormatTo());
    }

    [Theory]
    [InlineData("From = 10.0.0.0/33", "From: '10.0.0.0/33' is not a valid IP prefix")]
    [InlineData("From = 10.0.0.0/8,", "From: empty entry (a stray comma?)")]
    [InlineData("To = !", "To: '' is not a valid IP prefix")]
    [InlineData("Protocol = tcpp", "Protocol: 'tcpp' is neither a protocol name (tcp, udp, icmp, icmpv6, ...) nor a number 0-255")]
    [InlineData("Protocol = 256", "Protocol: '256' is neither a protocol name (tcp, udp, icmp, icmpv6, ...) nor a number 0-255")]
    [InlineData("Mark = 0x300/0x200", "Mark: the value in '0x300/0x200' has bits outside the mask")]
    [InlineData("Mark = 0x1/", "Mark: '0x1/' is not a mark (a 32-bit number, or value/mask like 0x200/0xff00)")]
    [InlineData("SetMark = 0x100000000", "SetMark: '0x100000000' is not a mark (a 32-bit number, or value/mask like 0x200/0xff00)")]
    [InlineData("Action = forward", "Action: 'forward' is not route, accept, drop or reject")]
    [InlineData("Action = drop,accept", "Action: 'drop,accept' is not route, accept, drop or reject")]
    [InlineData("Masquerade = maybe", "Masquerade: 'maybe' is neither yes nor no")]
    [InlineData("Priority = -1", "Priority: '-1' is not a number 0-4294967295")]
    [InlineData("Peer = bad name", "Peer: 'bad name' is not a valid peer name (1-32 letters, digits, '_', '-' or '.')")]
    [InlineData("Input = ", "Input: a value is required")]
    [InlineData("Destination = 10.0.0.0/8", "unknown key in [Rule] (the keys there are From, To, Protocol, Port, SourcePort, Input, Mark, State, Peer, Action, Masquerade, SetMark, Priority)")]
    [InlineData("Prot = tcp", "Prot: unknown key in [Rule]; did you mean Port?")]
    [InlineData("SoucePort = 1", "SoucePort: unknown key in [Rule]; did you mean SourcePort?")]
    public void Rule_value_errors(string line, string message) =>
        Assert.Equal("wg3.conf:11: " + message, OnlyError("[Rule]\n" + line + "\n"));

    [Theory]
    [InlineData("Port = 8100-8000", "Port: the range '8100-8000' is reversed (the first port must not be larger than the last)")]
    [InlineData("SourcePort = 2-1", "SourcePort: the range '2-1' is reversed (the first port must not be larger than the last)")]
    [InlineData("Port = 0", "Port: '0' is neither a port (1-65535) nor a range like 8000-8100")]
    [InlineData("Port = 65536", "Port: '65536' is neither a port (1-65535) nor a range like 8000-8100")]
    [InlineData("Port = 1-", "Port: '1-' is neither a port (1-65535) nor a range like 8000-8100")]
    [InlineData("Port = ssh", "Port: 'ssh' is neither a port (1-65535) nor a range like 8000-8100")]
    public void Port_range_errors(string line, string message) =>
        Assert.Equal("wg3.conf:12: " + message, OnlyError("[Rule]\nProtocol = tcp\n" + line + "\n"));

    [Fact]
    public void Rule_keys_given_twice_are_errors_but_from_and_to_accumulate()
    {
        Assert.Equal("wg3.conf:12: Protocol: given twice in this [Rule] (first on line 11)",
            OnlyError("[Rule]\nProtocol = tcp\nProtocol = udp\n"));
        Assert.Equal("wg3.conf:6: Name: given twice in this [Peer] (first on line 5)",
            Assert.Single(Errors(Interface + "[Peer]\nPublicKey = " + PublicBase64(1) + "\nName = a\nName = b\n")));
        Assert.Equal("wg3.conf:4: MssClamp: given twice in this [Interface] (first on line 3)",
            Assert.Single(Errors(Interface + "MssClamp = auto\nMssClamp = 1300\n")));
        using InterfaceConfig config = ParseValid(Base + "[Rule]\nFrom = 10.0.0.0/8\nFrom = 10.1.0.0/16\n[Rule]\nProtocol = udp\n");
        Assert.Equal(2, config.Rules[0].From.Count);
    }

    [Fact]
    public void Rules_must_name_existing_peers_with_suggestions()
    {
        Assert.Equal("wg3.conf:11: Peer: no [Peer] is named 'nrod'; did you mean nord?", OnlyError("[Rule]\nPeer = nrod\n"));
        Assert.Equal("wg3.conf:12: Input: no [Peer] is named 'office'", OnlyError("[Rule]\nProtocol = udp\nInput = office\n"));
        Assert.Equal("wg3.conf:11: Peer: no [Peer] is named 'Nord'; did you mean nord?", OnlyError("[Rule]\nPeer = Nord\n"));
        Assert.Equal(["wg3.conf:4: Peer: no [Peer] is named 'nord' (give the peer a Name = ... in its [Peer] section)"],
            Errors(Interface + "[Rule]\nPeer = nord\n"));
    }

    [Fact]
    public void Duplicate_peer_names_are_errors()
    {
        Assert.Equal("wg3.conf:11: Name: 'nord' is already the name of the [Peer] on line 4",
            OnlyError($"[Peer]\nName = nord\nPublicKey = {PublicBase64(3)}\n"));
    }

    [Fact]
    public void Masquerade_needs_an_address_of_the_family()
    {
        string v4Only = $"[Interface]\nPrivateKey = {PrivateBase64(1)}\nAddress = 10.5.0.2/32\n[Peer]\nName = nord\nPublicKey = {PublicBase64(1)}\n";
        Assert.Equal(["wg3.conf:10: Masquerade: the interface has no IPv6 Address to masquerade IPv6 packets to"],
            Errors(v4Only + "[Rule]\nFrom = fd00::/64\nPeer = nord\nMasquerade = yes\n"));
        Assert.Equal(["wg3.conf:9: Masquerade: the interface has no IPv6 Address to masquerade IPv6 packets to"],
            Errors(v4Only + "[Rule]\nProtocol = icmpv6\nMasquerade = yes\n"));
        Assert.Equal(["wg3.conf:7: Masquerade: the interface has no Address to masquerade to"],
            Errors(Interface + "[Peer]\nName = nord\nPublicKey = " + PublicBase64(1) + "\n[Rule]\nMasquerade = yes\n"));

        // IPv4 traffic with a v4 address, or any family with some address: accepted.
        using InterfaceConfig a = ParseValid(v4Only + "[Rule]\nFrom = 192.168.2.0/24\nTo = !fd00::/8\nPeer = nord\nMasquerade = yes\n");
        using InterfaceConfig b = ParseValid(v4Only + "[Rule]\nPeer = nord\nMasquerade = yes\n");
        using InterfaceConfig c = ParseValid(v4Only + "[Rule]\nMasquerade = no\nFrom = fd00::/64\n");
    }

    [Fact]
    public void Rules_whose_keys_contradict_each_other()
    {
        Assert.Equal("wg3.conf:12: Action: drop cannot be combined with Peer (only routed packets go to a peer or get masqueraded)",
            OnlyError("[Rule]\nPeer = nord\nAction = drop\n"));
        Assert.Equal("wg3.conf:11: Action: reject cannot be combined with Masquerade (only routed packets go to a peer or get masqueraded)",
            OnlyError("[Rule]\nAction = reject\nMasquerade = yes\n"));
        Assert.Equal("wg3.conf:11: SetMark: a rule that sets a mark goes on evaluating, so it cannot also have Peer, Action or Masquerade (put those in a later rule that matches the Mark)",
            OnlyError("[Rule]\nSetMark = 0x200\nPeer = nord\n"));
        Assert.Equal("wg3.conf:11: Port: needs Protocol = tcp or udp (or another protocol with ports: sctp, udplite, dccp)",
            OnlyError("[Rule]\nPort = 25\n"));
        Assert.Equal("wg3.conf:12: SourcePort: needs Protocol = tcp or udp (or another protocol with ports: sctp, udplite, dccp)",
            OnlyError("[Rule]\nProtocol = icmp\nSourcePort = 25\n"));
        Assert.Equal("wg3.conf:12: To: no address family in common with From, so this rule can never match",
            OnlyError("[Rule]\nFrom = 10.0.0.0/8\nTo = fd00::/8\n"));
    }

    [Fact]
    public void Forward_errors()
    {
        Assert.Equal(["wg3.conf:10: [Forward] has no Protocol", "wg3.conf:10: [Forward] has no To"],
            Errors(Base + "[Forward]\nPort = 80\n"));
        Assert.Equal("wg3.conf:11: Protocol: a port forward is for tcp or udp",
            OnlyError("[Forward]\nProtocol = icmp\nPort = 1\nTo = 10.0.0.1\n"));
        Assert.Equal("wg3.conf:13: To: '10.0.0.1:0' is not an address or address:port (like 192.168.2.10:80 or [fd00::10]:80)",
            OnlyError("[Forward]\nProtocol = tcp\nPort = 1\nTo = 10.0.0.1:0\n"));
        Assert.Equal("wg3.conf:13: To: 'host:80' is not an address or address:port (like 192.168.2.10:80 or [fd00::10]:80)",
            OnlyError("[Forward]\nProtocol = tcp\nPort = 1\nTo = host:80\n"));
        Assert.Equal("wg3.conf:13: To: '[10.0.0.1]:80' is not an address or address:port (like 192.168.2.10:80 or [fd00::10]:80)",
            OnlyError("[Forward]\nProtocol = tcp\nPort = 1\nTo = [10.0.0.1]:80\n"));
        Assert.Equal("wg3.conf:13: To: a range of ports is forwarded to the same ports, so To takes no port",
            OnlyError("[Forward]\nProtocol = tcp\nPort = 1-2\nTo = 10.0.0.1:80\n"));
        Assert.Equal("wg3.conf:16: Port: overlaps the [Forward] on line 10",
            OnlyError("[Forward]\nProtocol = udp\nPort = 1000-2000\nTo = 10.0.0.1\n[Forward]\nProtocol = udp\nPort = 2000\nTo = 10.0.0.2:53\n"));
        string v4Only = $"[Interface]\nPrivateKey = {PrivateBase64(1)}\nAddress = 10.5.0.2/32\n";
        Assert.Equal(["wg3.conf:7: To: the interface has no IPv6 Address for the forwarded IPv6 packets to arrive at"],
            Errors(v4Only + "[Forward]\nProtocol = tcp\nPort = 80\nTo = [fd00::1]:80\n"));
    }

    [Fact]
    public void Rule_prefix_with_host_bits_warns()
    {
        ConfigParseResult result = Parse(Base + "[Rule]\nFrom = 192.168.2.1/24\n");
        using InterfaceConfig config = result.GetConfigOrThrow();
        Assert.Equal(IPNetwork.Parse("192.168.2.0/24"), config.Rules[0].From[0].Network);
        Assert.Equal("wg3.conf:11: From: '192.168.2.1/24' has host bits set; it stands for 192.168.2.0/24", Assert.Single(result.Warnings).ToString());
    }

    [Fact]
    public void Find_peer_by_name_is_case_sensitive()
    {
        using InterfaceConfig config = ParseValid(Base);
        Assert.Same(config.Peers[0], config.FindPeer("nord"));
        Assert.Null(config.FindPeer("NORD"));
    }
}
