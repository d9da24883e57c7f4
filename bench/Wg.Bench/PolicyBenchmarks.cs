// The policy stage per packet: parsing the summary, evaluating 1/10/100 rules (the deciding rule
// last, the worst case), MSS clamping, and scan versus trie for a rule's prefix list (which sets
// PolicyPrefixSet.LinearLimit).
using System.Buffers.Binary;
using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using WgSharp.Router.Packets;
using WgSharp.Router.Policy;
using WgSharp.Router.Routing;
using WgSharp.Tun.Net;

namespace WgSharp.Bench;

[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private const int Batch = 8;

    private byte[][] _packets = null!;
    private PacketSummary[] _summaries = null!;
    private PolicyTable<object> _table = null!;

    [Params(1, 10, 100)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        object upstream = new();
        List<PolicyRule<object>> rules = [];
        for (int i = 0; i < Rules - 1; i++)
        {
            // Rules that look like a real file but miss these packets, each in a different way.
            rules.Add((i % 4) switch
            {
                0 => new PolicyRule<object>
                {
                    Source = [PrefixSelector.Parse($"10.{i}.0.0/16"), PrefixSelector.Parse($"!10.{i}.128.0/17"), PrefixSelector.Parse($"fd00:{i:x}::/32")],
                    Action = PolicyRuleAction.Drop,
                },
                1 => new PolicyRule<object>
                {
                    Protocol = 6,
                    DestinationPorts = new PortRange((ushort)(1000 + i), (ushort)(1010 + i)),
                    Action = PolicyRuleAction.ToPeer,
                    Peer = upstream,
                },
                2 => new PolicyRule<object>
                {
                    Destination = [PrefixSelector.Parse($"172.{16 + (i % 16)}.{i}.0/24"), PrefixSelector.Parse($"2001:db8:{i:x}::/48")],
                    Action = PolicyRuleAction.Reject,
                },
                _ => new PolicyRule<object>
                {
                    Mark = new Mark(0x200, 0xff00),
                    Source = [PrefixSelector.Parse("192.168.0.0/16"), PrefixSelector.Parse("fd00::/8")],
                    Action = PolicyRuleAction.Accept,
                },
            });
        }
        rules.Add(new PolicyRule<object>
        {
            Source = [PrefixSelector.Parse("192.168.2.0/24"), PrefixSelector.Parse("fd00:2::/64")],
            Destination = [PrefixSelector.Parse("!192.168.0.0/16"), PrefixSelector.Parse("!fd00::/8")],
            Action = PolicyRuleAction.Route,
            Masquerade = true,
        });
        _table = PolicyTable<object>.Build(rules);

        _packets =
        [
            Tcp("192.168.2.10", "203.0.113.5", 40000, 443),
            Udp("192.168.2.11", "198.51.100.53", 5353, 53),
            Tcp("fd00:2::10", "2001:db8:ffff::5", 40000, 443),
            Udp("fd00:2::11", "2001:db8:ffff::53", 5353, 53),
            Tcp("192.168.2.12", "203.0.113.6", 40001, 80),
            Udp("192.168.2.13", "198.51.100.54", 40000, 4500),
            Tcp("fd00:2::12", "2001:db8:ffff::6", 40001, 80),
            Tcp("192.168.2.14", "203.0.113.7", 40002, 22),
        ];
        _summaries = new PacketSummary[Batch];
        for (int i = 0; i < Batch; i++)
        {
            if (!PacketSummary.TryParse(_packets[i], out _summaries[i]))
            {
                throw new InvalidOperationException("benchmark packet does not parse");
            }
        }
        if (_table.Evaluate(_summaries[0], null).RuleIndex != Rules - 1)
        {
            throw new InvalidOperationException("the last rule should decide");
        }
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "parse summary")]
    public int Parse()
    {
        int sum = 0;
        foreach (byte[] packet in _packets)
        {
            PacketSummary.TryParse(packet, out PacketSummary summary);
            sum += summary.DestinationPort;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "evaluate (parsed)")]
    public int Evaluate()
    {
        int sum = 0;
        foreach (ref readonly PacketSummary summary in _summaries.AsSpan())
        {
            sum += _table.Evaluate(summary, null).RuleIndex;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "parse + evaluate")]
    public int ParseAndEvaluate()
    {
        int sum = 0;
        foreach (byte[] packet in _packets)
        {
            PacketSummary.TryParse(packet, out PacketSummary summary);
            sum += _table.Evaluate(summary, null).RuleIndex;
        }
        return sum;
    }

    internal static byte[] Tcp(string src, string dst, ushort srcPort, ushort dstPort, byte flags = 0x10, byte[]? options = null)
    {
        options ??= [];
        byte[] segment = new byte[20 + options.Length + 32];
        BinaryPrimitives.WriteUInt16BigEndian(segment, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), dstPort);
        segment[12] = (byte)(((20 + options.Length) / 4) << 4);
        segment[13] = flags;
        options.CopyTo(segment, 20);
        return Ip(6, src, dst, segment, checksumOffset: 16);
    }

    internal static byte[] Udp(string src, string dst, ushort srcPort, ushort dstPort)
    {
        byte[] datagram = new byte[8 + 32];
        BinaryPrimitives.WriteUInt16BigEndian(datagram, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(2), dstPort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), (ushort)datagram.Length);
        return Ip(17, src, dst, datagram, checksumOffset: 6);
    }

    private static byte[] Ip(byte protocol, string src, string dst, byte[] transport, int checksumOffset)
    {
        IpAddressKey source = IpAddressKey.Parse(src);
        IpAddressKey destination = IpAddressKey.Parse(dst);
        int header = source.IsV4 ? 20 : 40;
        byte[] packet = new byte[header + transport.Length];
        if (source.IsV4)
        {
            packet[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
            packet[8] = 64;
            packet[9] = protocol;
            source.CopyTo(packet.AsSpan(12));
            destination.CopyTo(packet.AsSpan(16));
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum.Compute(packet.AsSpan(0, 20)));
        }
        else
        {
            packet[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)transport.Length);
            packet[6] = protocol;
            packet[7] = 64;
            source.CopyTo(packet.AsSpan(8));
            destination.CopyTo(packet.AsSpan(24));
        }
        transport.CopyTo(packet, header);
        Span<byte> segment = packet.AsSpan(header);
        ushort checksum = source.IsV4
            ? Checksum.ComputeV4(segment, packet.AsSpan(12, 4), packet.AsSpan(16, 4), protocol)
            : Checksum.ComputeV6(segment, packet.AsSpan(8, 16), packet.AsSpan(24, 16), protocol);
        BinaryPrimitives.WriteUInt16BigEndian(segment[checksumOffset..], checksum);
        return packet;
    }
}

[MemoryDiagnoser]
public class MssClampBenchmarks
{
    private static readonly byte[] SynOptions = [2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7];

    private readonly MssClamp _clamp = MssClamp.ForMtu(1420);
    private byte[] _pristine4 = null!;
    private byte[] _pristine6 = null!;
    private byte[] _packet4 = null!;
    private byte[] _packet6 = null!;
    private byte[] _ack = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pristine4 = PolicyBenchmarks.Tcp("192.168.2.10", "203.0.113.5", 40000, 443, 0x02, SynOptions);
        _pristine6 = PolicyBenchmarks.Tcp("fd00:2::10", "2001:db8::5", 40000, 443, 0x02, SynOptions);
        _packet4 = (byte[])_pristine4.Clone();
        _packet6 = (byte[])_pristine6.Clone();
        _ack = PolicyBenchmarks.Tcp("192.168.2.10", "203.0.113.5", 40000, 443, 0x10);
    }

    /// <summary>Restoring the 2 MSS and 2 checksum bytes: the cost the clamp benchmarks include.</summary>
    [Benchmark(Baseline = true, Description = "restore only")]
    public void Restore()
    {
        Restore(_pristine4, _packet4, 20);
    }

    [Benchmark(Description = "IPv4 SYN, clamp (parse included)")]
    public bool ClampV4()
    {
        Restore(_pristine4, _packet4, 20);
        return _clamp.TryClamp(_packet4);
    }

    [Benchmark(Description = "IPv6 SYN, clamp (parse included)")]
    public bool ClampV6()
    {
        Restore(_pristine6, _packet6, 40);
        return _clamp.TryClamp(_packet6);
    }

    [Benchmark(Description = "IPv4 SYN, clamp (summary given)")]
    public bool ClampV4Parsed()
    {
        Restore(_pristine4, _packet4, 20);
        PacketSummary.TryParse(_packet4, out PacketSummary summary);
        return _clamp.TryClamp(_packet4, summary);
    }

    [Benchmark(Description = "IPv4 ACK, not a SYN (parse included)")]
    public bool NotSyn() => _clamp.TryClamp(_ack);

    private static void Restore(byte[] pristine, byte[] packet, int header)
    {
        // Checksum (TCP bytes 16..17) and the MSS value (TCP bytes 22..23).
        packet[header + 16] = pristine[header + 16];
        packet[header + 17] = pristine[header + 17];
        packet[header + 22] = pristine[header + 22];
        packet[header + 23] = pristine[header + 23];
    }
}

[MemoryDiagnoser]
public class PolicyPrefixSetBenchmarks
{
    private const int Probes = 64;

    private PolicyPrefixSet _scan = null!;
    private PolicyPrefixSet _trie = null!;
    private IpAddressKey[] _probes4 = null!;
    private IpAddressKey[] _probes6 = null!;

    [Params(1, 4, 8, 16, 32, 64)]
    public int Prefixes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Random random = new(7);
        List<PrefixSelector> list = [];
        for (int i = 0; i < Prefixes; i++)
        {
            list.Add(new PrefixSelector(new IpPrefix(IpAddressKey.FromV4(0x0A00_0000u | (uint)random.Next(1 << 24)), random.Next(16, 29)).ToNetwork(), false));
            byte[] v6 = new byte[16];
            random.NextBytes(v6);
            v6[0] = 0xfd;
            list.Add(new PrefixSelector(new IpPrefix(IpAddressKey.FromV6(v6), random.Next(32, 65)).ToNetwork(), false));
        }
        ImmutableArray<PrefixSelector> prefixes = [.. list];
        _scan = new PolicyPrefixSet(prefixes, int.MaxValue);
        _trie = new PolicyPrefixSet(prefixes, 0);
        // Probes inside the same /8 as the prefixes: half are inside some listed prefix (a hit ends the
        // scan early), half are random there and almost all miss (the scan's worst case, and what most
        // rules see for most packets). Probes far from every prefix would flatter the trie, whose first
        // node rejects them at once.
        _probes4 = new IpAddressKey[Probes];
        _probes6 = new IpAddressKey[Probes];
        for (int i = 0; i < Probes; i++)
        {
            IpPrefix v4 = IpPrefix.FromNetwork(list[2 * random.Next(Prefixes)].Network);
            IpPrefix v6 = IpPrefix.FromNetwork(list[(2 * random.Next(Prefixes)) + 1].Network);
            _probes4[i] = i % 2 == 0
                ? IpAddressKey.FromV4(v4.Address.V4Value | ((uint)random.Next() & ~(uint)(IpAddressKey.MaskHigh(v4.Length) >> 32)))
                : IpAddressKey.FromV4(0x0A00_0000u | (uint)random.Next(1 << 24));
            _probes6[i] = i % 2 == 0
                ? new IpAddressKey(IpFamily.V6, v6.Address.High | ((ulong)random.NextInt64() & ~IpAddressKey.MaskHigh(v6.Length)), (ulong)random.NextInt64())
                : new IpAddressKey(IpFamily.V6, 0xFD00_0000_0000_0000UL | ((ulong)random.NextInt64() >> 8), (ulong)random.NextInt64());
        }
    }

    [Benchmark(OperationsPerInvoke = Probes, Description = "IPv4 scan")]
    public int ScanV4() => Count(_scan, _probes4);

    [Benchmark(OperationsPerInvoke = Probes, Description = "IPv4 trie")]
    public int TrieV4() => Count(_trie, _probes4);

    [Benchmark(OperationsPerInvoke = Probes, Description = "IPv6 scan")]
    public int ScanV6() => Count(_scan, _probes6);

    [Benchmark(OperationsPerInvoke = Probes, Description = "IPv6 trie")]
    public int TrieV6() => Count(_trie, _probes6);

    private static int Count(PolicyPrefixSet set, IpAddressKey[] probes)
    {
        int hits = 0;
        foreach (ref readonly IpAddressKey probe in probes.AsSpan())
        {
            if (set.Contains(probe))
            {
                hits++;
            }
        }
        return hits;
    }
}
