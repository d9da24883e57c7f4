// Parsing of `wg show dump` and `wg showconf` text, and rendering of `wg setconf` files.
using System.Net;
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.HarnessTests;

public sealed class WgOutputParsingTests
{
    private const string KeyA = "qGdrAlKc73ZhM4c3TZ2h+IBUn6h3a7VNuOvrzv7L2Uk=";
    private const string KeyB = "j5kfOXIHLUKp+y+AM25oCWZzUlhVZmXsQRcfsX3YsX0=";
    private const string KeyC = "O4Qk7W+VJiWjB7l5HbhpMHAuGlM72+wdXCCHjME7VjA=";

    [Fact]
    public void ParsesDumpFields()
    {
        var dump = WgDump.Parse(
            $"{KeyA}\t{KeyB}\t51820\t0x2a\n" +
            $"{KeyC}\t(none)\t192.0.2.2:51821\t10.232.0.2/32,fd00:232::2/128\t1795321576\t250332\t250388\toff\n" +
            $"{KeyB}\t{KeyA}\t[2001:db8::1]:9\t(none)\t0\t0\t0\t25\n");
        Assert.Equal(KeyA, dump.PrivateKey);
        Assert.Equal(51820, dump.ListenPort);
        Assert.Equal(0x2au, dump.FwMark);
        var c = dump.Peer(KeyC);
        Assert.Null(c.PresharedKey);
        Assert.Equal(IPEndPoint.Parse("192.0.2.2:51821"), c.Endpoint);
        Assert.Equal([IpPrefix.Parse("10.232.0.2/32"), IpPrefix.Parse("fd00:232::2/128")], c.AllowedIps);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795321576), c.LatestHandshake);
        Assert.Equal((250332L, 250388L), (c.RxBytes, c.TxBytes));
        Assert.Null(c.PersistentKeepalive);
        var b = dump.Peer(KeyB);
        Assert.Equal(KeyA, b.PresharedKey);
        Assert.Equal(IPEndPoint.Parse("[2001:db8::1]:9"), b.Endpoint);
        Assert.Empty(b.AllowedIps);
        Assert.Null(b.LatestHandshake);
        Assert.Equal(25, b.PersistentKeepalive);
        Assert.Throws<FormatException>(() => WgDump.Parse($"{KeyA}\t{KeyB}\t51820\n"));
    }

    [Fact]
    public void RenderedConfigParsesBackToItself()
    {
        var config = new WgConfig(KeyA, 51820,
        [
            new WgConfigPeer(KeyB, KeyC, IPEndPoint.Parse("[2001:db8::1]:9"), [IpPrefix.Parse("10.0.0.0/8"), IpPrefix.Parse("::/0")], 25),
            new WgConfigPeer(KeyC, null, null, [], null),
        ]);
        var back = WgConfig.Parse(config.Render());
        Assert.Equal(config.PrivateKey, back.PrivateKey);
        Assert.Equal(config.ListenPort, back.ListenPort);
        Assert.Equal(2, back.Peers.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(Fields(config.Peers[i]), Fields(back.Peers[i]));
            Assert.Equal(config.Peers[i].AllowedIps, back.Peers[i].AllowedIps);
        }
    }

    private static (string, string?, IPEndPoint?, int?) Fields(WgConfigPeer peer) =>
        (peer.PublicKey, peer.PresharedKey, peer.Endpoint, peer.PersistentKeepalive);

    [Fact]
    public void MaskingClearsHostBits()
    {
        Assert.Equal(IpPrefix.Parse("10.1.2.0/24"), IpPrefix.Parse("10.1.2.3/24").Masked());
        Assert.Equal(IpPrefix.Parse("fd00::/64"), IpPrefix.Parse("fd00::1:2:3/64").Masked());
        Assert.Equal(IpPrefix.Parse("10.1.2.2/31"), IpPrefix.Parse("10.1.2.3/31").Masked());
        Assert.Equal(IpPrefix.Parse("0.0.0.0/0"), IpPrefix.Parse("255.1.2.3/0").Masked());
        Assert.Throws<FormatException>(() => IpPrefix.Parse("10.0.0.0/33"));
    }
}
