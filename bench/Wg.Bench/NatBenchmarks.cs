// Conntrack and NAT per-packet costs: parsing the NAT summary, a lookup that hits (one flow, and 1,024 flows in turn) or misses in
// a table of 10,000 flows, the same hit in a locked Dictionary and a ConcurrentDictionary for comparison,
// flow insertion, and whole-packet NAT (parse, lookup, rewrite) out and back, for IPv4 and IPv6 and an ICMP error.
using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using WgSharp.Router.Nat;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Bench;

// Min and median next to the mean: the shared 2-core machine is noisy.
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class NatBenchmarks
{
    private const int Flows = 10_000;
    private const int RotatingFlows = 1024;
    private const int InsertBatch = 4096;

    private static readonly TimeSpan Now = TimeSpan.FromMinutes(1);
    private static readonly IpAddressKey Masquerade = IpAddressKey.Parse("10.5.0.2");
    private static readonly IpAddressKey Masquerade6 = IpAddressKey.Parse("fd00:5::2");

    private readonly FlowTuple[] _tuples = new FlowTuple[Flows];
    private readonly Dictionary<FlowTuple, int> _dictionary = [];
    private readonly ConcurrentDictionary<FlowTuple, int> _concurrent = new();
    private readonly object _dictionaryLock = new();
    private ConnectionTracker _tracker = null!;
    private ConnectionTracker _insertTracker = null!;
    private NatEngine _nat = null!;
    private FlowTuple _missing;
    private int _next;

    private byte[] _outV4 = null!;
    private byte[] _inV4 = null!;
    private byte[] _outV6 = null!;
    private byte[] _inV6 = null!;
    private byte[] _errorV4 = null!;
    private readonly byte[] _work = new byte[1500];

    [GlobalSetup]
    public void Setup()
    {
        _tracker = new ConnectionTracker(new ConntrackOptions { Capacity = 65_536 });
        _insertTracker = new ConnectionTracker(new ConntrackOptions { Capacity = InsertBatch });
        IpAddressKey remote = IpAddressKey.Parse("198.51.100.7");
        for (int i = 0; i < Flows; i++)
        {
            var tuple = new FlowTuple(IpProtocol.Udp, IpAddressKey.FromV4(0xC0A8_0000u + (uint)i), 5353, remote, 53);
            _tuples[i] = tuple;
            _tracker.TryInsert(tuple, tuple.Invert(), PortSearch.None, 0, 1, FlowOrigin.Local, ConnectionTracker.LocalOwner, Now, out _);
            _dictionary[tuple] = i;
            _dictionary[tuple.Invert()] = i;
            _concurrent[tuple] = i;
            _concurrent[tuple.Invert()] = i;
        }
        _missing = new FlowTuple(IpProtocol.Udp, IpAddressKey.Parse("172.16.0.1"), 1, remote, 53);

        _nat = new NatEngine(new ConnectionTracker(new ConntrackOptions { Capacity = 65_536 }));
        _outV4 = Tcp("192.168.2.10", 40000, "198.51.100.7", 443, 0x18, 20, v6: false);
        _inV4 = Tcp("198.51.100.7", 443, "10.5.0.2", 40000, 0x18, 20, v6: false);
        _outV6 = Tcp("fd00:2::10", 40000, "2001:db8::7", 443, 0x18, 20, v6: true);
        _inV6 = Tcp("2001:db8::7", 443, "fd00:5::2", 40000, 0x18, 20, v6: true);
        // Open the flows: a SYN out (masqueraded, port kept), the SYN-ACK back.
        byte[] syn = (byte[])_outV4.Clone();
        syn[33] = 0x02;
        _nat.TranslateOutbound(syn, 1, Masquerade, Now);
        byte[] syn6 = (byte[])_outV6.Clone();
        syn6[53] = 0x02;
        _nat.TranslateOutbound(syn6, 1, Masquerade6, Now);
        byte[] translated = (byte[])_outV4.Clone();
        _nat.TranslateOutbound(translated, 1, Masquerade, Now);
        _errorV4 = new byte[IcmpErrorBuilder.MaxLengthV4];
        IcmpErrorBuilder.TryWriteDestinationUnreachableV4(translated, [203, 0, 113, 1], IcmpTypes.V4.CodeFragmentationNeeded, 1280, _errorV4, out int written);
        _errorV4 = _errorV4[..written];
    }

    private static byte[] Tcp(string src, ushort sourcePort, string dst, ushort destinationPort, byte flags, int payload, bool v6)
    {
        int header = v6 ? 40 : 20;
        byte[] packet = new byte[header + 20 + payload];
        IpAddressKey s = IpAddressKey.Parse(src);
        IpAddressKey d = IpAddressKey.Parse(dst);
        if (v6)
        {
            packet[0] = 0x60;
            packet[4] = (byte)((20 + payload) >> 8);
            packet[5] = (byte)(20 + payload);
            packet[6] = IpProtocol.Tcp;
            packet[7] = 64;
            s.CopyTo(packet.AsSpan(8));
            d.CopyTo(packet.AsSpan(24));
        }
        else
        {
            packet[0] = 0x45;
            packet[2] = (byte)(packet.Length >> 8);
            packet[3] = (byte)packet.Length;
            packet[6] = 0x40;
            packet[8] = 64;
            packet[9] = IpProtocol.Tcp;
            s.CopyTo(packet.AsSpan(12));
            d.CopyTo(packet.AsSpan(16));
            Ipv4Header.TryParse(packet, out Ipv4Header ip);
            ip.UpdateHeaderChecksum();
        }
        Span<byte> tcp = packet.AsSpan(header);
        tcp[0] = (byte)(sourcePort >> 8);
        tcp[1] = (byte)sourcePort;
        tcp[2] = (byte)(destinationPort >> 8);
        tcp[3] = (byte)destinationPort;
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        TcpHeader.TryParse(tcp, out TcpHeader view);
        if (v6)
        {
            view.UpdateChecksumV6(packet.AsSpan(8, 16), packet.AsSpan(24, 16));
        }
        else
        {
            view.UpdateChecksumV4(packet.AsSpan(12, 4), packet.AsSpan(16, 4));
        }
        return packet;
    }

    [Benchmark]
    public bool ConntrackLookupHit() => _tracker.TryObserve(_tuples[5000], TcpFlags.None, Now, out _);

    [Benchmark]
    public bool ConntrackLookupHitRotating()
    {
        int i = _next = (_next + 1) & (RotatingFlows - 1);
        return _tracker.TryObserve(_tuples[i * 9], TcpFlags.None, Now, out _);
    }

    [Benchmark]
    public bool ConntrackLookupMiss() => _tracker.TryObserve(_missing, TcpFlags.None, Now, out _);

    [Benchmark]
    public bool LockedDictionaryHit()
    {
        lock (_dictionaryLock)
        {
            return _dictionary.TryGetValue(_tuples[5000], out _);
        }
    }

    [Benchmark]
    public bool ConcurrentDictionaryHit() => _concurrent.TryGetValue(_tuples[5000], out _);

    /// <summary>Inserting a flow, plus (amortized) clearing it again; per flow.</summary>
    [Benchmark(OperationsPerInvoke = InsertBatch)]
    public int ConntrackInsert()
    {
        _insertTracker.Clear();
        int inserted = 0;
        for (int i = 0; i < InsertBatch; i++)
        {
            FlowTuple tuple = _tuples[i];
            if (_insertTracker.TryInsert(tuple, tuple.Invert(), PortSearch.None, 0, 1, FlowOrigin.Local, ConnectionTracker.LocalOwner, Now, out _) == ConntrackInsertResult.Inserted)
            {
                inserted++;
            }
        }
        return inserted;
    }

    [Benchmark]
    public int ParseV4() => NatPacket.Parse(_outV4, out NatPacket parsed) == NatPacketStatus.Valid ? parsed.TransportOffset : -1;

    [Benchmark]
    public bool ParseAndObserveV4()
    {
        NatPacket.Parse(_inV4, out NatPacket parsed);
        return _nat.Tracker.TryObserve(parsed.Tuple, parsed.TcpFlags, Now, out _);
    }

    /// <summary>The copy the NAT benchmarks include to restore their packet.</summary>
    [Benchmark(Baseline = true)]
    public int CopyPacketOnly()
    {
        _outV4.CopyTo(_work.AsSpan());
        return _work[0];
    }

    [Benchmark]
    public bool NatOutboundV4()
    {
        Span<byte> packet = _work.AsSpan(0, _outV4.Length);
        _outV4.CopyTo(packet);
        return _nat.TranslateOutbound(packet, 1, Masquerade, Now).Translated;
    }

    [Benchmark]
    public bool NatInboundReplyV4()
    {
        Span<byte> packet = _work.AsSpan(0, _inV4.Length);
        _inV4.CopyTo(packet);
        return _nat.TranslateInbound(packet, 1, establishedOnly: true, Now).Translated;
    }

    [Benchmark]
    public bool NatOutboundV6()
    {
        Span<byte> packet = _work.AsSpan(0, _outV6.Length);
        _outV6.CopyTo(packet);
        return _nat.TranslateOutbound(packet, 1, Masquerade6, Now).Translated;
    }

    [Benchmark]
    public bool NatInboundReplyV6()
    {
        Span<byte> packet = _work.AsSpan(0, _inV6.Length);
        _inV6.CopyTo(packet);
        return _nat.TranslateInbound(packet, 1, establishedOnly: true, Now).Translated;
    }

    [Benchmark]
    public bool NatIcmpFragmentationNeededV4()
    {
        Span<byte> packet = _work.AsSpan(0, _errorV4.Length);
        _errorV4.CopyTo(packet);
        return _nat.TranslateInbound(packet, 1, establishedOnly: true, Now).Translated;
    }
}
