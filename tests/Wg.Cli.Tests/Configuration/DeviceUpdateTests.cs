// InterfaceConfig.ToDeviceUpdate: what `wg setconf` would send for a file (and nothing of wg-quick's
// or WgSharp's own keys), checked field by field and as the UAPI text UapiSetWriter makes of it.
using System.Net;
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;
using static WgSharp.Cli.Tests.Config.ConfigTestKeys;

namespace WgSharp.Cli.Tests.Config;

public class DeviceUpdateTests
{
    private static string File => $"""
        [Interface]
        PrivateKey = {PrivateBase64(1)}
        ListenPort = 51820
        FwMark = 0x20
        Address = 10.0.0.2/24
        MTU = 1400
        MssClamp = auto

        [Peer]
        Name = a
        PublicKey = {PublicBase64(1)}
        PresharedKey = {PresharedBase64(1)}
        AllowedIPs = 10.0.0.0/24, fd00::/64
        AllowedIPs = 192.168.7.0/24
        Endpoint = [2001:db8::1]:51820
        PersistentKeepalive = 25

        [Peer]
        PublicKey = {PublicBase64(2)}
        Endpoint = vpn.example.com:4500

        [Rule]
        From = 192.168.2.0/24
        Peer = a
        """;

    [Fact]
    public void Update_carries_what_wg_setconf_sends()
    {
        using InterfaceConfig config = ParseValid(File);
        using DeviceUpdate update = config.ToDeviceUpdate();

        Assert.Equal(PrivateBase64(1), update.PrivateKey!.ExportBase64());
        Assert.NotSame(config.PrivateKey, update.PrivateKey); // a copy: disposing one leaves the other
        Assert.Equal((ushort)51820, update.ListenPort);
        Assert.Equal(0x20u, update.FirewallMark);
        Assert.True(update.ReplacePeers);
        Assert.Equal(2, update.Peers.Count);

        PeerUpdate first = update.Peers[0];
        Assert.Equal(PublicBase64(1), first.PublicKey.ToBase64());
        Assert.Equal(PresharedBase64(1), first.PresharedKey!.ExportBase64());
        Assert.NotSame(config.Peers[0].PresharedKey, first.PresharedKey);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 51820), first.Endpoint);
        Assert.Equal((ushort)25, first.PersistentKeepaliveInterval);
        Assert.True(first.ReplaceAllowedIps);
        Assert.False(first.Remove);
        Assert.False(first.UpdateOnly);
        Assert.Equal(
        [
            new AllowedIpChange(IPNetwork.Parse("10.0.0.0/24"), false),
            new AllowedIpChange(IPNetwork.Parse("fd00::/64"), false),
            new AllowedIpChange(IPNetwork.Parse("192.168.7.0/24"), false),
        ], first.AllowedIpChanges);

        PeerUpdate second = update.Peers[1];
        Assert.Null(second.PresharedKey);
        Assert.Null(second.Endpoint); // a host name: only after EndpointResolver
        Assert.Null(second.PersistentKeepaliveInterval);
        Assert.True(second.ReplaceAllowedIps);
        Assert.Empty(second.AllowedIpChanges);

        config.Peers[1].ResolvedEndpoint = new IPEndPoint(IPAddress.Parse("192.0.2.7"), 4500);
        using DeviceUpdate resolved = config.ToDeviceUpdate();
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 4500), resolved.Peers[1].Endpoint);
    }

    [Fact]
    public void Update_as_uapi_text()
    {
        using InterfaceConfig config = ParseValid(File);
        using DeviceUpdate update = config.ToDeviceUpdate();
        using var buffer = new SecretBuffer();
        UapiSetWriter.Write(update, buffer);
        string text = System.Text.Encoding.ASCII.GetString(buffer.WrittenSpan);
        string privateHex = Convert.ToHexStringLower(Convert.FromBase64String(PrivateBase64(1)));
        string pskHex = Convert.ToHexStringLower(Convert.FromBase64String(PresharedBase64(1)));
        Assert.Equal($"""
            private_key={privateHex}
            listen_port=51820
            fwmark=32
            replace_peers=true
            public_key={Convert.ToHexStringLower(Convert.FromBase64String(PublicBase64(1)))}
            preshared_key={pskHex}
            endpoint=[2001:db8::1]:51820
            persistent_keepalive_interval=25
            replace_allowed_ips=true
            allowed_ip=10.0.0.0/24
            allowed_ip=fd00::/64
            allowed_ip=192.168.7.0/24
            public_key={Convert.ToHexStringLower(Convert.FromBase64String(PublicBase64(2)))}
            replace_allowed_ips=true

            """, text);
    }

    [Fact]
    public void Keys_not_given_are_not_sent()
    {
        using InterfaceConfig config = ParseValid(Interface + "FwMark = off\n");
        using DeviceUpdate update = config.ToDeviceUpdate();
        Assert.Null(update.ListenPort);
        Assert.Equal(0u, update.FirewallMark); // "off" is sent as 0, as wg does
        Assert.Empty(update.Peers);
        Assert.True(update.ReplacePeers);

        using InterfaceConfig bare = ParseValid(Interface);
        using DeviceUpdate bareUpdate = bare.ToDeviceUpdate();
        Assert.Null(bareUpdate.FirewallMark);
    }
}
