// The S1 deployment (SCENARIOS.md: exit VPN for the blue LAN only) as a complete file with WgSharp's
// sections: parsed into the expected model, written back by ConfigWriter, and parsed again to the same.
using System.Net;
using WgSharp.Cli.Configuration;
using WgSharp.Router.Configuration;
using static WgSharp.Cli.Tests.Config.ConfigTestKeys;

namespace WgSharp.Cli.Tests.Config;

public class ConfigRoundTripTests
{
    private static string S1 => $"""
        # /etc/wireguard/wg3.conf on the router: only blue (192.168.2.0/24) exits through the provider
        [Interface]
        PrivateKey = {PrivateBase64(1)}
        Address = 10.5.0.2/32
        Table = off                  # no wg-quick routes: the rules below steer
        MssClamp = auto
        PostUp = logger -t wgsharp "%i up"

        [Peer]
        Name = nord
        PublicKey = {PublicBase64(1)}
        PresharedKey = {PresharedBase64(1)}
        Endpoint = 198.51.100.42:51820
        AllowedIPs = 0.0.0.0/0, ::/0
        PersistentKeepalive = 25
        Inbound = established        # the provider cannot open connections into blue

        [Rule]                       # blue <-> green and the router's own services stay local
        From = 192.168.2.0/24
        To = 192.168.0.0/16
        Action = accept

        [Rule]                       # the rest of blue goes out through nord, as 10.5.0.2
        From = 192.168.2.0/24
        Peer = nord
        Masquerade = yes

        [Rule]                       # sockets bound to 10.5.0.2 (curl --interface wg3): reply routing by source
        From = 10.5.0.2
        Peer = nord

        [Rule]                       # nothing else from the tunnel side gets in
        Input = nord
        Action = reject
        Priority = 1000

        [Forward]
        Protocol = tcp
        Port = 8443
        To = 192.168.2.10:443
        """;

    [Fact]
    public void S1_parses_to_the_expected_model()
    {
        using InterfaceConfig config = ParseValid(S1);
        Assert.Equal(RouteTableMode.Off, config.Table.Mode);
        Assert.Equal(MssClampSetting.Auto, config.MssClamp);
        Assert.Equal(["logger -t wgsharp \"%i up\""], config.PostUp);
        PeerConfig nord = Assert.Single(config.Peers);
        Assert.Equal(("nord", InboundPolicy.Established, RoutesPolicy.Always), (nord.Name, nord.Inbound, nord.Routes));
        Assert.Equal(4, config.Rules.Count);
        Assert.Equal(RouterRuleAction.Accept, config.Rules[0].Action);
        Assert.Equal(("nord", true), (config.Rules[1].Peer, config.Rules[1].Masquerade));
        Assert.Equal(IPNetwork.Parse("10.5.0.2/32"), config.Rules[2].From[0].Network);
        Assert.Equal(("nord", RouterRuleAction.Reject, (uint?)1000), (config.Rules[3].Input, config.Rules[3].Action, config.Rules[3].Priority));
        Assert.Equal("192.168.2.10:443", Assert.Single(config.Forwards).FormatTo());
    }

    [Fact]
    public void S1_round_trips_through_the_writer()
    {
        using InterfaceConfig parsed = ParseValid(S1);
        string written = ConfigWriter.Write(parsed);
        Assert.Equal($"""
            [Interface]
            PrivateKey = {PrivateBase64(1)}
            Address = 10.5.0.2/32
            Table = off
            PostUp = logger -t wgsharp "%i up"
            MssClamp = auto

            [Peer]
            Name = nord
            PublicKey = {PublicBase64(1)}
            PresharedKey = {PresharedBase64(1)}
            AllowedIPs = 0.0.0.0/0, ::/0
            Endpoint = 198.51.100.42:51820
            PersistentKeepalive = 25
            Inbound = established

            [Rule]
            From = 192.168.2.0/24
            To = 192.168.0.0/16
            Action = accept

            [Rule]
            From = 192.168.2.0/24
            Peer = nord
            Masquerade = yes

            [Rule]
            From = 10.5.0.2/32
            Peer = nord

            [Rule]
            Input = nord
            Action = reject
            Priority = 1000

            [Forward]
            Protocol = tcp
            Port = 8443
            To = 192.168.2.10:443

            """, written);

        using InterfaceConfig reparsed = ParseValid(written);
        Assert.Equal(written, ConfigWriter.Write(reparsed));
        using var first = parsed.ToDeviceUpdate();
        using var second = reparsed.ToDeviceUpdate();
        Assert.Equal(Uapi(first), Uapi(second));
    }

    [Fact]
    public void Every_key_round_trips()
    {
        string full = $"""
            [Interface]
            PrivateKey = {PrivateBase64(2)}
            ListenPort = 51820
            FwMark = 0x1234
            Address = 10.0.0.2/24, fd00::2/64
            DNS = 10.0.0.1, fd00::1, corp.example
            MTU = 1420
            Table = vpn
            PreUp = a
            PostUp = b
            PostUp = c
            PreDown = d
            PostDown = e
            SaveConfig = true
            MssClamp = 1380
            ConntrackPerPeer = 4096
            Relay = userspace

            [Peer]
            Name = up-1
            PublicKey = {PublicBase64(5)}
            AllowedIPs = 10.4.0.128/25
            Endpoint = vpn.example.com:4500
            PersistentKeepalive = off
            Routes = when-up

            [Peer]
            PublicKey = {PublicBase64(6)}
            Endpoint = [2001:db8::1]:51820

            [Rule]
            From = 10.4.0.128/25, !10.4.0.200/32
            To = !10.0.0.0/8
            Protocol = udp
            Port = 53
            SourcePort = 1024-65535
            Mark = 0x200/0xff00
            Peer = up-1
            Masquerade = yes

            [Rule]
            Protocol = 99
            SetMark = 0x1

            [Forward]
            Protocol = udp
            Port = 5000-5010
            To = fd00::10

            """;
        using InterfaceConfig parsed = ParseValid(full);
        Assert.Equal(full, ConfigWriter.Write(parsed));
    }

    private static string Uapi(WgSharp.Router.Configuration.DeviceUpdate update)
    {
        using var buffer = new WgSharp.Cli.Uapi.SecretBuffer();
        WgSharp.Cli.Uapi.UapiSetWriter.Write(update, buffer);
        return System.Text.Encoding.ASCII.GetString(buffer.WrittenSpan);
    }
}
