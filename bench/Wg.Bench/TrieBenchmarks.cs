// IpPrefixTrie: longest-prefix lookups (IPv4/IPv6) in tables of 1k and 65k prefixes spread over 40
// peers, and inserting the whole table into an empty trie.
using BenchmarkDotNet.Attributes;
using WgSharp.Router.Routing;

namespace WgSharp.Bench;

[MemoryDiagnoser]
public class TrieBenchmarks
{
    private const int Probes = 1024;

    private IpPrefixTrie<object> _trie = null!;
    private IpPrefix[] _v4Prefixes = null!;
    private IpPrefix[] _v6Prefixes = null!;
    private byte[][] _v4Probes = null!;
    private byte[][] _v6Probes = null!;
    private object[] _peers = null!;

    [Params(1024, 65536)]
    public int Prefixes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Random random = new(42);
        _peers = [.. Enumerable.Range(0, 40).Select(_ => new object())];
        _v4Prefixes = new IpPrefix[Prefixes];
        _v6Prefixes = new IpPrefix[Prefixes];
        byte[] v6 = new byte[16];
        for (int i = 0; i < Prefixes; i++)
        {
            // Mostly host routes and small subnets inside 10/8 and fd00::/8, as a large AllowedIPs table looks.
            _v4Prefixes[i] = new IpPrefix(IpAddressKey.FromV4(0x0A00_0000u | (uint)random.Next(1 << 24)), random.Next(4) == 0 ? random.Next(16, 32) : 32);
            random.NextBytes(v6);
            v6[0] = 0xfd;
            v6[1] = 0;
            _v6Prefixes[i] = new IpPrefix(IpAddressKey.FromV6(v6), random.Next(4) == 0 ? random.Next(48, 128) : 128);
        }
        _trie = new IpPrefixTrie<object>();
        for (int i = 0; i < Prefixes; i++)
        {
            _trie.Insert(_v4Prefixes[i], _peers[i % _peers.Length]);
            _trie.Insert(_v6Prefixes[i], _peers[i % _peers.Length]);
        }
        _trie.Insert(IpPrefix.Parse("0.0.0.0/0"), _peers[0]);
        _trie.Insert(IpPrefix.Parse("::/0"), _peers[0]);

        // Half the probes hit an inserted prefix's network address, half are random inside 10/8 / fd00::/8.
        _v4Probes = new byte[Probes][];
        _v6Probes = new byte[Probes][];
        for (int i = 0; i < Probes; i++)
        {
            _v4Probes[i] = new byte[4];
            _v6Probes[i] = new byte[16];
            if (i % 2 == 0)
            {
                _v4Prefixes[random.Next(Prefixes)].Address.CopyTo(_v4Probes[i]);
                _v6Prefixes[random.Next(Prefixes)].Address.CopyTo(_v6Probes[i]);
            }
            else
            {
                IpAddressKey.FromV4(0x0A00_0000u | (uint)random.Next(1 << 24)).CopyTo(_v4Probes[i]);
                random.NextBytes(_v6Probes[i]);
                _v6Probes[i][0] = 0xfd;
                _v6Probes[i][1] = 0;
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Probes)]
    public int LookupV4()
    {
        int found = 0;
        foreach (byte[] address in _v4Probes)
        {
            if (_trie.TryLookup(address, out object? peer) && peer != _peers[0])
            {
                found++;
            }
        }
        return found;
    }

    [Benchmark(OperationsPerInvoke = Probes)]
    public int LookupV6()
    {
        int found = 0;
        foreach (byte[] address in _v6Probes)
        {
            if (_trie.TryLookup(address, out object? peer) && peer != _peers[0])
            {
                found++;
            }
        }
        return found;
    }

    /// <summary>Inserts the whole IPv4 table (on one peer) into an empty trie: the cost of a big `wg set`.</summary>
    [Benchmark]
    public int InsertAllV4()
    {
        IpPrefixTrie<object> trie = new();
        object peer = _peers[0];
        foreach (IpPrefix prefix in _v4Prefixes)
        {
            trie.Insert(prefix, peer);
        }
        return trie.Count;
    }
}
