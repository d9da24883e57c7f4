// Nothing an unauthenticated sender does may allocate: garbage, messages with a bad mac1, initiations
// from unknown keys, stray responses and cookie replies, and (under load) the cookie replies we send.
// Measured on the calling thread around the device's handshake processing, warmed up.
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using WgSharp.Noise;
using WgSharp.Noise.Keys;
using WgSharp.Router.Device;
using WgSharp.Tun;
using WgSharp.Tun.InMemory;

namespace WgSharp.Router.Tests.Device;

public class UnauthenticatedAllocationTests
{
    [Fact]
    public void Handling_invalid_handshake_messages_and_sending_cookie_replies_allocates_nothing()
    {
        using var tun = new InMemoryTun("memAlloc");
        var bind = new CountingBind();
        using var device = new WireGuardDevice(tun, _ => bind, NullLogger.Instance);
        device.Start(51820);
        using PrivateKey key = PrivateKey.Generate(SystemRandomSource.Instance);
        using PrivateKey peerKey = PrivateKey.Generate(SystemRandomSource.Instance);
        DevicePair.Configure(device, key, peerKey.ComputePublicKey(), null, "10.0.0.2/32");

        // An initiation from a key the device does not know, with a valid mac1 (it reaches the Diffie-Hellman).
        using PrivateKey strangerKey = PrivateKey.Generate(SystemRandomSource.Instance);
        using var stranger = new TunnelDirectory(TimeProvider.System, SystemRandomSource.Instance);
        stranger.SetPrivateKey(strangerKey);
        byte[] initiation = stranger.AddPeer(key.ComputePublicKey()).ForceHandshake(new byte[256]).Packet.ToArray();

        byte[] garbageInitiation = new byte[148];
        garbageInitiation[0] = 1;
        new Random(1).NextBytes(garbageInitiation.AsSpan(4));
        byte[] strayResponse = new byte[92];
        strayResponse[0] = 2;
        byte[] strayCookieReply = new byte[64];
        strayCookieReply[0] = 3;
        byte[] badType = new byte[148];
        badType[0] = 1;
        badType[1] = 7; // reserved bytes must be zero
        byte[][] messages = [initiation, garbageInitiation, strayResponse, strayCookieReply, badType];

        var source = UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("198.51.100.9"), 4444));
        var message = new HandshakeMessage();
        var scratch = new HandshakeScratch();

        void RunAll()
        {
            foreach (byte[] datagram in messages)
            {
                datagram.CopyTo(message.Data, 0);
                message.Length = datagram.Length;
                message.Source = source;
                device.Handshakes.ProcessHandshake(message, scratch);
            }
        }

        // Not under load: every message is dropped after its checks.
        for (int i = 0; i < 20; i++)
        {
            RunAll();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
        {
            RunAll();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(0, bind.Sent);
        Assert.All(message.Data, b => Assert.Equal(0, b)); // the pooled buffer is left clean

        // Under load the initiation with a valid mac1 gets a cookie reply instead.
        device.Handshakes.StayUnderLoadForTests();
        for (int i = 0; i < 20; i++)
        {
            RunAll();
        }

        long sentBefore = bind.Sent;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
        {
            RunAll();
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(50, bind.Sent - sentBefore);
        Assert.Equal(0, allocated);
        Assert.True(device.EngineDrops[DropReason.CookieRequired] >= 50);
    }

    // Sends nowhere and counts; receives nothing until closed. Allocates nothing itself.
    private sealed class CountingBind : IUdpBind
    {
        private readonly ManualResetEventSlim _closed = new();
        private long _sent;

        public long Sent => Interlocked.Read(ref _sent);

        public ushort Port => 51820;

        public int BatchSize => 64;

        public bool Supports(AddressFamily family) => family == AddressFamily.InterNetwork;

        public int Receive(AddressFamily family, byte[][] buffers, int[] sizes, UdpEndpoint[] endpoints, int offset)
        {
            _closed.Wait();
            return 0;
        }

        public UdpSendResult Send(byte[][] buffers, int[] sizes, int count, int offset, ref UdpEndpoint endpoint)
        {
            Interlocked.Add(ref _sent, count);
            return new UdpSendResult(count, 0);
        }

        public void SetMark(uint mark)
        {
        }

        public void Close() => _closed.Set();

        public void Dispose() => _closed.Set();
    }
}
