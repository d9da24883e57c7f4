// A small WireGuard network in memory for the router tests: a router device R with peers X and Y (each
// with R as its only peer, AllowedIPs 0.0.0.0/0), all on one in-memory UDP network, optionally on a
// clock the test moves. Tunnel addresses: R 10.0.0.1, X 10.0.0.2, Y 10.0.0.3.
using System.Collections.Concurrent;
using System.Net;
using WgSharp.Noise.Keys;
using WgSharp.Router.Device;
using WgSharp.Router.Nat;
using WgSharp.Router.Policy;
using WgSharp.Tun.InMemory;

namespace WgSharp.Router.Tests.Device;

internal sealed class RouterMesh : IDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    /// <summary>How long a test waits to be sure a packet does not arrive.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    public RouterMesh(string[] xAllowedAtR, string[] yAllowedAtR, TimeProvider? time = null, bool addY = true)
    {
        Time = time;
        R = new TestNode(Network, "R", IPAddress.Parse("192.0.2.1"), time: time);
        X = new TestNode(Network, "X", IPAddress.Parse("192.0.2.2"), time: time);
        Y = new TestNode(Network, "Y", IPAddress.Parse("192.0.2.3"), time: time);
        XAllowedAtR = xAllowedAtR;
        YAllowedAtR = yAllowedAtR;
        Configure(R, X, xAllowedAtR);
        if (addY)
        {
            Configure(R, Y, yAllowedAtR);
        }

        Configure(X, R, "0.0.0.0/0", "::/0");
        Configure(Y, R, "0.0.0.0/0", "::/0");
        R.Device.PeerLivenessChanged += (key, live) => LivenessEvents.Enqueue((key, live));
    }

    public TimeProvider? Time { get; }

    public InMemoryUdpNetwork Network { get; } = new();

    public TestNode R { get; }

    public TestNode X { get; }

    public TestNode Y { get; }

    public string[] XAllowedAtR { get; }

    public string[] YAllowedAtR { get; }

    public ConcurrentQueue<(PublicKey Key, bool Live)> LivenessEvents { get; } = new();

    public static void Configure(TestNode device, TestNode peer, params string[] allowedIps) => device.Connect(peer, allowedIps);

    /// <summary>Injects <paramref name="packet"/> into <paramref name="from"/>'s TUN and returns what <paramref name="to"/>'s TUN writes first.</summary>
    public static byte[] Send(TestNode from, TestNode to, byte[] packet)
    {
        Assert.True(from.Tun.InjectPacket(packet));
        Assert.True(to.Tun.TryTakeWritten(out byte[] received, Wait), $"nothing arrived at {to.Name}'s TUN");
        return received;
    }

    /// <summary>Asserts that <paramref name="node"/>'s TUN writes nothing for a while.</summary>
    public static void AssertNothing(TestNode node)
    {
        if (node.Tun.TryTakeWritten(out byte[] packet, Quiet))
        {
            Assert.Fail($"{node.Name}'s TUN unexpectedly wrote {packet.Length} bytes: {Convert.ToHexString(packet.AsSpan(0, Math.Min(40, packet.Length)))}");
        }
    }

    public static ulong Counter(RouterStatus status, DeviceDrop reason) => (ulong)status.Counters[reason];

    public static ulong Counter(RouterStatus status, NatDrop reason) => (ulong)status.Counters[reason];

    public static IPEndPoint OriginalSource(TrackedFlow flow) =>
        new(flow.Flow.Original.Source.ToIPAddress(), flow.Flow.Original.SourcePort);

    public static IPEndPoint ReplyDestination(TrackedFlow flow) =>
        new(flow.Flow.Reply.Destination.ToIPAddress(), flow.Flow.Reply.DestinationPort);

    public void Dispose()
    {
        R.Dispose();
        X.Dispose();
        Y.Dispose();
    }
}
