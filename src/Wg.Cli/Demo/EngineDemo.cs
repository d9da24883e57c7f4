// `wgsharp demo`: two WireGuard interfaces ("alice" and "bob") run the real engine against each other in
// memory under a simulated clock, and every datagram and decision is printed. For a machine with no
// peer to talk to; it touches no network device.
using System.Buffers.Binary;
using System.Text;
using WgSharp.Noise;
using WgSharp.Noise.Keys;

namespace WgSharp.Cli.Demo;

internal sealed class EngineDemo
{
    private readonly SimulatedClock _clock = new();
    private readonly TextWriter _out;
    private readonly Party _alice;
    private readonly Party _bob;
    private int _datagrams;
    private long _wireBytes;

    private EngineDemo(TextWriter output)
    {
        _out = output;
        _alice = new Party("alice", "10.0.0.1", _clock);
        _bob = new Party("bob", "10.0.0.2", _clock);
        _alice.Tunnel = _alice.Directory.AddPeer(_bob.PublicKey);
        _bob.Tunnel = _bob.Directory.AddPeer(_alice.PublicKey);
    }

    public static int Run(TextWriter output)
    {
        var demo = new EngineDemo(output);
        demo.Tell();
        return 0;
    }

    private void Tell()
    {
        _out.WriteLine("WgSharp engine demo: two WireGuard peers in memory, Noise_IKpsk2 + ChaCha20-Poly1305,");
        _out.WriteLine("a simulated clock (nothing touches the network).");
        _out.WriteLine($"  alice  public key {_alice.PublicKey}  tunnel address {_alice.Address}");
        _out.WriteLine($"  bob    public key {_bob.PublicKey}  tunnel address {_bob.Address}");
        _out.WriteLine();

        Section("alice sends the first packet: it is queued, a handshake runs, then it is delivered");
        Send(_alice, _bob, "hello bob, this is alice");

        Section("bob answers on the new session");
        Send(_bob, _alice, "hi alice, bob here");

        Section("alice keeps talking, bob stays silent: after 10 s bob sends a keepalive (KEEPALIVE_TIMEOUT)");
        Send(_alice, _bob, "are you there?");
        RunClock(TimeSpan.FromSeconds(11));

        Section("two minutes pass with traffic: alice, the initiator, rekeys (REKEY_AFTER_TIME = 120 s)");
        for (int i = 0; i < 12; i++)
        {
            RunClock(TimeSpan.FromSeconds(10), quiet: true);
            SendQuietly(_alice, _bob, $"tick {i}");
        }

        Section("a replayed datagram is refused");
        byte[] captured = _alice.LastSent!;
        TunnelResult replay = _bob.Directory.Receive((byte[])captured.Clone(), [10, 0, 0, 1], 51820, _bob.Buffer, out _);
        Log($"bob ← (replayed {captured.Length}-byte datagram): {Describe(replay)}");

        Section("summary");
        foreach (Party p in new[] { _alice, _bob })
        {
            _out.WriteLine($"  {p.Name,-5}  sent {p.Tunnel.TxBytes,6} bytes  received {p.Tunnel.RxBytes,6} bytes  " +
                $"packets delivered {p.Delivered,3}  last handshake {p.Tunnel.LastHandshake:HH:mm:ss}  drops {p.Tunnel.Drops.Total}");
        }

        _out.WriteLine($"  {_datagrams} datagrams ({_wireBytes} bytes) crossed the simulated wire in {_clock.Elapsed.TotalSeconds:0} simulated seconds.");
        _out.WriteLine();
        _out.WriteLine("Next: `wgsharp <ifname>` runs a real interface managed with `wg`; see README.md.");
    }

    private void Section(string title)
    {
        _out.WriteLine();
        _out.WriteLine($"== {title}");
    }

    private void Send(Party from, Party to, string text) => Carry(from, from.Tunnel.Encapsulate(Packet(from, to, text), from.Buffer), quiet: false);

    private void SendQuietly(Party from, Party to, string text) => Carry(from, from.Tunnel.Encapsulate(Packet(from, to, text), from.Buffer), quiet: true);

    private void RunClock(TimeSpan duration, bool quiet = false)
    {
        TimeSpan step = TimeSpan.FromMilliseconds(250);
        for (TimeSpan t = TimeSpan.Zero; t < duration; t += step)
        {
            _clock.Advance(step);
            foreach (Party party in new[] { _alice, _bob })
            {
                TunnelResult result;
                while ((result = party.Tunnel.UpdateTimers(party.Buffer)).Operation != TunnelOperation.Done)
                {
                    Carry(party, result, quiet && result.Packet.Length > 0 && result.Packet[0] == 4 && result.Packet.Length > 32);
                    if (result.Operation == TunnelOperation.Drop)
                    {
                        break;
                    }
                }
            }
        }
    }

    // Puts a result on the wire and follows the exchange until both sides are quiet.
    private void Carry(Party from, TunnelResult first, bool quiet)
    {
        var wire = new Queue<(Party To, byte[] Datagram)>();
        Enqueue(from, first, wire, quiet);
        while (wire.TryDequeue(out (Party To, byte[] Datagram) item))
        {
            Party to = item.To;
            TunnelResult result = to.Directory.Receive(item.Datagram, to == _alice ? [10, 0, 0, 2] : [10, 0, 0, 1], 51820, to.Buffer, out Tunnel? tunnel);
            Enqueue(to, result, wire, quiet);
            while (tunnel is not null && result.Operation != TunnelOperation.Drop &&
                   (result = tunnel.Decapsulate(default, to.Buffer)).Operation != TunnelOperation.Done)
            {
                Enqueue(to, result, wire, quiet);
            }
        }
    }

    private void Enqueue(Party party, TunnelResult result, Queue<(Party, byte[])> wire, bool quiet)
    {
        Party other = party == _alice ? _bob : _alice;
        switch (result.Operation)
        {
            case TunnelOperation.WriteToNetwork:
                byte[] datagram = result.Packet.ToArray();
                party.LastSent = datagram;
                _datagrams++;
                _wireBytes += datagram.Length;
                bool isBulk = datagram[0] == 4 && datagram.Length > 32;
                if (!(quiet && isBulk))
                {
                    Log($"{party.Name} → {other.Name}  {DescribeDatagram(datagram)}");
                }

                wire.Enqueue((other, datagram));
                break;
            case TunnelOperation.WriteToTunnelV4:
            case TunnelOperation.WriteToTunnelV6:
                party.Delivered++;
                if (!quiet)
                {
                    Log($"{party.Name} delivers to its TUN: {DescribePacket(result.Packet)}");
                }

                break;
            case TunnelOperation.Drop:
                Log($"{party.Name} drops a datagram: {result.DropReason}");
                break;
        }
    }

    private static string DescribeDatagram(byte[] d) => d[0] switch
    {
        1 => $"handshake initiation ({d.Length} bytes, sender index {BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(4)):x8})",
        2 => $"handshake response ({d.Length} bytes, receiver index {BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(8)):x8})",
        3 => $"cookie reply ({d.Length} bytes)",
        _ => d.Length == 32
            ? $"keepalive (counter {BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(8))})"
            : $"transport data ({d.Length} bytes, counter {BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(8))})",
    };

    private static string DescribePacket(ReadOnlySpan<byte> packet)
    {
        string source = new System.Net.IPAddress(packet.Slice(12, 4)).ToString();
        string destination = new System.Net.IPAddress(packet.Slice(16, 4)).ToString();
        string text = Encoding.UTF8.GetString(packet[28..]);
        return $"IPv4 {source} → {destination} UDP \"{text}\"";
    }

    private static string Describe(TunnelResult result) =>
        result.Operation == TunnelOperation.Drop ? $"dropped ({result.DropReason})" : result.Operation.ToString();

    private void Log(string line) => _out.WriteLine($"  [t={_clock.Elapsed.TotalSeconds,7:0.000}s] {line}");

    // A small IPv4/UDP packet carrying text; the engine looks only at the IP header.
    private static byte[] Packet(Party from, Party to, string text)
    {
        byte[] payload = Encoding.UTF8.GetBytes(text);
        var packet = new byte[28 + payload.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = 17;
        System.Net.IPAddress.Parse(from.Address).TryWriteBytes(packet.AsSpan(12), out _);
        System.Net.IPAddress.Parse(to.Address).TryWriteBytes(packet.AsSpan(16), out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), 40000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), 7);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + payload.Length));
        payload.CopyTo(packet, 28);
        return packet;
    }

    private sealed class Party
    {
        public Party(string name, string address, TimeProvider clock)
        {
            Name = name;
            Address = address;
            using PrivateKey key = PrivateKey.Generate(SystemRandomSource.Instance);
            PublicKey = key.ComputePublicKey();
            Directory = new TunnelDirectory(clock, SystemRandomSource.Instance);
            Directory.SetPrivateKey(key);
        }

        public string Name { get; }

        public string Address { get; }

        public PublicKey PublicKey { get; }

        public TunnelDirectory Directory { get; }

        public Tunnel Tunnel { get; set; } = null!;

        public byte[] Buffer { get; } = new byte[70_000];

        public byte[]? LastSent { get; set; }

        public int Delivered { get; set; }
    }
}
