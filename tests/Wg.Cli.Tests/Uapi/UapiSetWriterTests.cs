// UapiSetWriter: a DeviceUpdate written as set lines parses back to the same update.
using System.Net;
using System.Text;
using WgSharp.Cli.Tests.Support;
using WgSharp.Cli.Uapi;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Tests.Uapi;

public class UapiSetWriterTests
{
    [Fact]
    public void Written_update_parses_back_unchanged()
    {
        using var update = new DeviceUpdate
        {
            PrivateKey = PrivateKey.FromBytes(TestKeys.Private(2)),
            ListenPort = 0,
            FirewallMark = 0,
            ReplacePeers = true,
        };
        var first = new PeerUpdate(TestKeys.Public(1))
        {
            UpdateOnly = true,
            ProtocolVersion = 1,
            PresharedKey = PresharedKey.FromBytes(new byte[32]),
            Endpoint = IPEndPoint.Parse("[2001:db8::5]:7"),
            PersistentKeepaliveInterval = 0,
            ReplaceAllowedIps = true,
        };
        first.AllowedIpChanges.Add(new AllowedIpChange(IPNetwork.Parse("10.0.0.0/8"), false));
        first.AllowedIpChanges.Add(new AllowedIpChange(IPNetwork.Parse("10.9.0.0/16"), true));
        update.Peers.Add(first);
        update.Peers.Add(new PeerUpdate(TestKeys.Public(2)) { Remove = true });
        update.Peers.Add(new PeerUpdate(TestKeys.Public(3)));

        using var buffer = new SecretBuffer();
        UapiSetWriter.Write(update, buffer);
        string text = Encoding.ASCII.GetString(buffer.WrittenSpan);
        using DeviceUpdate back = UapiSetParser.Parse(text.TrimEnd('\n').Split('\n'));

        Assert.Equal(ReceivedUpdate.From(update).Describe(), ReceivedUpdate.From(back).Describe());
        Assert.Contains("ips=10.0.0.0/8,-10.9.0.0/16", ReceivedUpdate.From(back).Describe());
    }
}
