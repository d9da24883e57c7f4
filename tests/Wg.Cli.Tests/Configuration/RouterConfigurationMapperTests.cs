// RouterConfigurationMapper: every policy key of a parsed file lands in the RouterConfiguration the
// device takes, names resolved to the peers' public keys.
using System.Net;
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Tests.Support;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;
using static WgSharp.Cli.Tests.Config.ConfigTestKeys;

namespace WgSharp.Cli.Tests.Config;

public class RouterConfigurationMapperTests
{
    // Lines 1-14.
    private static string Base => $"""
        [Interface]
        PrivateKey = {PrivateBase64(1)}
        Address = 10.5.0.2/24, fd05::2/64
        Address = 10.6.0.2/32
        MssClamp = auto
        [Peer]
        Name = nord
        PublicKey = {PublicBase64(1)}
        Inbound = established
        [Peer]
        Name = home
        PublicKey = {PublicBase64(2)}
        Routes = when-up
        AllowedIPs = 0.0.0.0/0

        """;

    private static RouterConfiguration Map(string text, uint? table = 51820)
    {
        using InterfaceConfig config = ParseValid(text);
        return RouterConfigurationMapper.Map(config, table);
    }

    [Fact]
    public void Interface_and_peer_options()
    {
        RouterConfiguration mapped = Map(Base + $"[Peer]\nPublicKey = {PublicBase64(3)}\n");
        Assert.Equal(RouterConfiguration.MssClampAuto, mapped.MssClamp);
        Assert.Equal(51820u, mapped.WhenUpRouteTable);
        Assert.Equal([IPAddress.Parse("10.5.0.2"), IPAddress.Parse("fd05::2"), IPAddress.Parse("10.6.0.2")], mapped.InterfaceAddresses);
        // The third peer has only defaults: not listed.
        Assert.Equal(
            [new RouterPeerOptions(TestKeys.Public(1), "nord", true, false), new RouterPeerOptions(TestKeys.Public(2), "home", false, true)],
            mapped.Peers);
        Assert.Empty(mapped.Rules);
        Assert.Empty(mapped.Forwards);
    }

    [Theory]
    [InlineData("off", 0)]
    [InlineData("auto", RouterConfiguration.MssClampAuto)]
    [InlineData("1360", 1360)]
    public void MssClamp_modes(string text, int expected)
    {
        RouterConfiguration mapped = Map($"[Interface]\nPrivateKey = {PrivateBase64(1)}\nMssClamp = {text}\n");
        Assert.Equal(expected, mapped.MssClamp);
    }

    [Fact]
    public void No_table_when_up_has_none()
    {
        Assert.Null(Map(Base, table: null).WhenUpRouteTable);
    }

    [Fact]
    public void Every_rule_key_is_mapped()
    {
        RouterConfiguration mapped = Map(Base + """
            [Rule]
            From = 192.168.2.0/24, !192.168.2.1
            To = !10.0.0.0/8, 10.9.0.0/16
            Protocol = tcp
            Port = 8000-8100
            SourcePort = 1024
            Input = home
            Mark = 0x200/0xff00
            Peer = nord
            Action = route
            Masquerade = yes
            Priority = 100
            [Rule]
            Protocol = icmp
            Action = reject
            [Rule]
            SetMark = 0x7
            [Rule]
            Action = drop
            [Rule]
            Input = tun
            Action = accept
            """);
        Assert.Equal(5, mapped.Rules.Count);
        RouterRule first = mapped.Rules[0];
        Assert.Equal(15, first.Line);
        Assert.Equal([new PrefixSelector(IPNetwork.Parse("192.168.2.0/24"), false), new PrefixSelector(IPNetwork.Parse("192.168.2.1/32"), true)], first.From);
        Assert.Equal([new PrefixSelector(IPNetwork.Parse("10.0.0.0/8"), true), new PrefixSelector(IPNetwork.Parse("10.9.0.0/16"), false)], first.To);
        Assert.Equal((byte)6, first.Protocol);
        Assert.Equal(new PortRange(8000, 8100), first.Port);
        Assert.Equal(new PortRange(1024, 1024), first.SourcePort);
        Assert.Equal(TestKeys.Public(2), first.Input);
        Assert.Equal(new Mark(0x200, 0xff00), first.Mark);
        Assert.Equal(TestKeys.Public(1), first.Peer);
        Assert.Equal(RouterRuleAction.Route, first.Action);
        Assert.True(first.Masquerade);
        Assert.Null(first.SetMark);
        Assert.Equal(100u, first.Priority);

        Assert.Equal(RouterRuleAction.Reject, mapped.Rules[1].Action);
        Assert.Equal((byte)1, mapped.Rules[1].Protocol);
        Assert.Null(mapped.Rules[1].Input);
        Assert.Null(mapped.Rules[1].Priority);

        Assert.Equal(RouterRuleAction.SetMark, mapped.Rules[2].Action);
        Assert.Equal(new Mark(7, uint.MaxValue), mapped.Rules[2].SetMark);
        Assert.Equal(RouterRuleAction.Drop, mapped.Rules[3].Action);
        Assert.Equal(RouterRuleAction.Accept, mapped.Rules[4].Action);
        Assert.Null(mapped.Rules[4].Input);
        Assert.False(mapped.Rules[4].Masquerade);
    }

    [Fact]
    public void Forwards_are_mapped()
    {
        RouterConfiguration mapped = Map(Base + """
            [Forward]
            Protocol = tcp
            Port = 8080
            To = 192.168.2.10:80
            [Forward]
            Protocol = udp
            Port = 5000-5010
            To = [fd05::10]
            """);
        Assert.Equal(
            [
                new RouterForward(6, new PortRange(8080, 8080), IPAddress.Parse("192.168.2.10"), 80) { Line = 15 },
                new RouterForward(17, new PortRange(5000, 5010), IPAddress.Parse("fd05::10"), null) { Line = 19 },
            ],
            mapped.Forwards);
    }

    [Fact]
    public void A_name_no_peer_has_is_refused()
    {
        using InterfaceConfig config = ParseValid(Base);
        var rule = new RuleConfig(40) { Peer = "nobody" };
        config.Rules.Add(rule);
        ConfigException e = Assert.Throws<ConfigException>(() => RouterConfigurationMapper.Map(config, null));
        Assert.Contains("nobody", e.Message);
        Assert.Equal(40, e.Errors[0].Line);
    }

    [Fact]
    public void A_plain_file_maps_to_an_empty_configuration()
    {
        RouterConfiguration mapped = Map($"[Interface]\nPrivateKey = {PrivateBase64(1)}\n[Peer]\nPublicKey = {PublicBase64(1)}\n", null);
        Assert.Empty(mapped.Peers);
        Assert.Empty(mapped.Rules);
        Assert.Empty(mapped.Forwards);
        Assert.Empty(mapped.InterfaceAddresses);
        Assert.Equal(0, mapped.MssClamp);
    }
}
