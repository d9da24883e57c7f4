// Under a flood of handshake initiations the device goes "under load": it answers with cookie replies
// instead of doing Diffie-Hellman for each, and established tunnels keep flowing (whitepaper §5.3).
using System.Net;
using WgSharp.Noise;
using WgSharp.Noise.Keys;
using WgSharp.Tun;
using WgSharp.Tun.InMemory;

namespace WgSharp.Router.Tests.Device;

public class HandshakeFloodTests
{
    [Fact]
    public void Initiation_flood_triggers_cookies_and_does_not_starve_an_established_tunnel()
    {
        using var pair = new DevicePair();
        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", -1));
        Assert.True(pair.TunB.TryTakeWritten(out _, TimeSpan.FromSeconds(5)));

        // An attacker who knows B's public key makes initiations with a valid mac1 (each costs B two
        // Diffie-Hellman operations unless B demands cookies).
        using PrivateKey attackerKey = PrivateKey.Generate(SystemRandomSource.Instance);
        using var attacker = new TunnelDirectory(TimeProvider.System, SystemRandomSource.Instance);
        attacker.SetPrivateKey(attackerKey);
        Tunnel toB = attacker.AddPeer(pair.KeyB.ComputePublicKey());
        var initiations = new List<byte[]>();
        var buffer = new byte[256];
        for (int i = 0; i < 3000; i++)
        {
            toB.ClearSessions();
            initiations.Add(toB.ForceHandshake(buffer).Packet.ToArray());
        }

        using InMemoryUdpBind flooder = pair.Network.Bind(IPAddress.Parse("198.51.100.66"), null, 6666);
        var target = UdpEndpoint.FromIPEndPoint(new IPEndPoint(DevicePair.AddressB, 51820));
        var sender = new Thread(() =>
        {
            byte[][] one = new byte[1][];
            int[] size = [148];
            foreach (byte[] initiation in initiations)
            {
                one[0] = initiation;
                flooder.Send(one, size, 1, 0, ref target);
            }
        });
        sender.Start();

        // Meanwhile the established tunnel carries traffic, in order, promptly.
        for (int i = 0; i < 300; i++)
        {
            pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", i));
            Assert.True(pair.TunB.TryTakeWritten(out byte[] packet, TimeSpan.FromSeconds(2)), $"packet {i} starved by the flood");
            Assert.Equal(i, DevicePair.Marker(packet));
        }

        sender.Join();
        SpinWait.SpinUntil(() => pair.B.EngineDrops[DropReason.CookieRequired] > 0, TimeSpan.FromSeconds(10));
        Assert.True(pair.B.EngineDrops[DropReason.CookieRequired] > 0, "the device never went under load");

        // The flood got cookie replies; with a cookie the attacker is rate limited per source address.
        Assert.True(pair.B.EngineDrops[DropReason.UnknownPeer] < initiations.Count);
    }
}
