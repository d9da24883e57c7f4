// Two WireGuard interfaces with one peer each, joined by an in-memory "network" the test controls:
// datagrams can be delivered, dropped, captured, replayed or reordered.
using WgSharp.Noise.Keys;

namespace WgSharp.Noise.Tests.Engine;

internal sealed class TunnelPair : IDisposable
{
    public TunnelPair(PresharedKey? pskA = null, PresharedKey? pskB = null, IRandomSource? random = null)
    {
        A = new Side("A", Clock, random);
        B = new Side("B", Clock, random);
        A.Tunnel = A.Directory.AddPeer(B.PublicKey);
        B.Tunnel = B.Directory.AddPeer(A.PublicKey);
        A.Tunnel.SetPresharedKey(pskA);
        B.Tunnel.SetPresharedKey(pskB);
    }

    public ManualTimeProvider Clock { get; } = new();

    public Side A { get; }

    public Side B { get; }

    /// <summary>When false, datagrams in flight are lost.</summary>
    public bool NetworkUp { get; set; } = true;

    /// <summary>Every datagram that was put on the wire, in order, with its sender.</summary>
    public List<(Side From, byte[] Datagram)> Wire { get; } = [];

    /// <summary>Handles a result of `from`: sends datagrams to the other side and follows up until quiet.</summary>
    public void Handle(Side from, TunnelResult result)
    {
        var pending = new Queue<(Side, byte[])>();
        Collect(from, result, pending);
        Pump(pending);
    }

    /// <summary>Sends an IP packet from one side to the other.</summary>
    public void Send(Side from, byte[] packet) => Handle(from, from.Tunnel.Encapsulate(packet, from.Buffer));

    /// <summary>Moves the clock in steps, running both sides' timers at each step.</summary>
    public void Run(TimeSpan duration, TimeSpan step)
    {
        for (TimeSpan t = TimeSpan.Zero; t < duration; t += step)
        {
            Clock.Advance(step);
            Tick(A);
            Tick(B);
        }
    }

    public void Tick(Side side)
    {
        for (int i = 0; i < 16; i++)
        {
            TunnelResult result = side.Tunnel.UpdateTimers(side.Buffer);
            if (result.Operation == TunnelOperation.Done)
            {
                return;
            }

            Handle(side, result);
        }
    }

    /// <summary>Delivers a raw datagram to a side as if it came from the network.</summary>
    public TunnelResult DeliverRaw(Side to, byte[] datagram)
    {
        byte[] copy = (byte[])datagram.Clone();
        return to.Directory.Receive(copy, [10, 0, 0, to == A ? (byte)2 : (byte)1], 51820, to.Buffer, out _);
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }

    private Side Other(Side side) => side == A ? B : A;

    private void Collect(Side from, TunnelResult result, Queue<(Side, byte[])> pending)
    {
        switch (result.Operation)
        {
            case TunnelOperation.WriteToNetwork:
                byte[] datagram = result.Packet.ToArray();
                Wire.Add((from, datagram));
                from.Sent.Add(datagram);
                if (NetworkUp)
                {
                    pending.Enqueue((Other(from), datagram));
                }

                break;
            case TunnelOperation.WriteToTunnelV4:
            case TunnelOperation.WriteToTunnelV6:
                from.Delivered.Add(result.Packet.ToArray());
                break;
            case TunnelOperation.Drop:
                from.Drops.Add(result.DropReason);
                break;
        }
    }

    private void Pump(Queue<(Side, byte[])> pending)
    {
        int guard = 0;
        while (pending.TryDequeue(out (Side To, byte[] Datagram) item) && guard++ < 10_000)
        {
            Side to = item.To;
            TunnelResult result = to.Directory.Receive(item.Datagram, [10, 0, 0, to == A ? (byte)2 : (byte)1], 51820, to.Buffer, out Tunnel? tunnel);
            Collect(to, result, pending);
            if (tunnel is not null && result.Operation != TunnelOperation.Drop)
            {
                // Drain packets queued during the handshake (call again with empty input until Done).
                while (true)
                {
                    TunnelResult more = tunnel.Decapsulate(default, to.Buffer);
                    if (more.Operation == TunnelOperation.Done)
                    {
                        break;
                    }

                    Collect(to, more, pending);
                }
            }
        }
    }

    internal sealed class Side : IDisposable
    {
        public Side(string name, ManualTimeProvider clock, IRandomSource? random = null)
        {
            Name = name;
            PrivateKey = PrivateKey.Generate(SystemRandomSource.Instance);
            PublicKey = PrivateKey.ComputePublicKey();
            Directory = new TunnelDirectory(clock, random ?? SystemRandomSource.Instance);
            Directory.SetPrivateKey(PrivateKey);
        }

        public string Name { get; }

        public PrivateKey PrivateKey { get; }

        public PublicKey PublicKey { get; }

        public TunnelDirectory Directory { get; }

        public Tunnel Tunnel { get; set; } = null!;

        public byte[] Buffer { get; } = new byte[70_000];

        public List<byte[]> Delivered { get; } = [];

        public List<byte[]> Sent { get; } = [];

        public List<DropReason> Drops { get; } = [];

        public int SentOfType(int type) => Sent.Count(d => d[0] == type);

        public void Dispose()
        {
            Directory.Dispose();
            PrivateKey.Dispose();
        }

        public override string ToString() => Name;
    }
}
