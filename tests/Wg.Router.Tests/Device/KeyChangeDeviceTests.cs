// `wg set private-key` while handshake messages keep arriving: the handshake thread may hold the old
// identity when it is replaced. No key change may stop the device.
using System.Net;
using WgSharp.Noise;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Tun;
using WgSharp.Tun.InMemory;

namespace WgSharp.Router.Tests.Device;

public class KeyChangeDeviceTests
{
    [Fact]
    public void Many_private_key_changes_while_initiations_flow_never_stop_the_device()
    {
        using var pair = new DevicePair();
        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", -1));
        Assert.True(pair.TunB.TryTakeWritten(out _, TimeSpan.FromSeconds(5)));

        // Initiations with a valid mac1 for B's key: each one makes B's handshake thread use its private key.
        using PrivateKey senderKey = PrivateKey.Generate(SystemRandomSource.Instance);
        using var sender = new TunnelDirectory(TimeProvider.System, SystemRandomSource.Instance);
        sender.SetPrivateKey(senderKey);
        Tunnel toB = sender.AddPeer(pair.KeyB.ComputePublicKey());
        var initiations = new List<byte[]>();
        byte[] buffer = new byte[256];
        for (int i = 0; i < 64; i++)
        {
            toB.ClearSessions();
            initiations.Add(toB.ForceHandshake(buffer).Packet.ToArray());
        }

        using InMemoryUdpBind source = pair.Network.Bind(IPAddress.Parse("198.51.100.7"), null, 7777);
        var target = UdpEndpoint.FromIPEndPoint(new IPEndPoint(DevicePair.AddressB, 51820));
        using var stop = new CancellationTokenSource();
        var flow = new Thread(() =>
        {
            byte[][] one = new byte[1][];
            int[] size = [148];
            while (!stop.IsCancellationRequested)
            {
                foreach (byte[] initiation in initiations)
                {
                    one[0] = initiation;
                    source.Send(one, size, 1, 0, ref target);
                }

                Thread.Sleep(1); // below the under-load threshold: every message gets its Diffie-Hellman
            }
        });
        flow.Start();

        using PrivateKey other = PrivateKey.Generate(SystemRandomSource.Instance);
        for (int i = 0; i < 400; i++)
        {
            using var update = new DeviceUpdate { PrivateKey = (i % 2 == 0 ? other : pair.KeyB).Clone() };
            pair.B.Apply(update);
        }

        stop.Cancel();
        flow.Join();
        Assert.Null(pair.B.StopReason);
        Assert.False(pair.B.Completion.IsCompleted);

        // Back on its key (the loop ended on it), B completes a new handshake and carries traffic.
        pair.A.FindTunnel(pair.KeyB.ComputePublicKey())!.ClearSessions();
        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", 42));
        Assert.True(pair.TunB.TryTakeWritten(out byte[] packet, TimeSpan.FromSeconds(12)), "no handshake after the key changes");
        Assert.Equal(42, DevicePair.Marker(packet));
    }
}
