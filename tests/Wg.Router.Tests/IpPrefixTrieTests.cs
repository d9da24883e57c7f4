// IpPrefixTrie behaviour: longest match, WireGuard's "insert moves the prefix" semantics, removal by
// prefix/value, per-value listing order, family separation, and the insert-speed requirements.
using System.Diagnostics;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Tests;

public class IpPrefixTrieTests
{
    private static IpPrefix P(string text) => IpPrefix.Parse(text);

    private static string? Find(IpPrefixTrie<string> trie, string address) =>
        trie.TryLookup(IpAddressKey.Parse(address), out string? value) ? value : null;

    [Fact]
    public void LongestPrefixWins()
    {
        IpPrefixTrie<string> trie = new();
        trie.Insert(P("0.0.0.0/0"), "default");
        trie.Insert(P("10.0.0.0/8"), "a");
        trie.Insert(P("10.1.0.0/16"), "b");
        trie.Insert(P("10.1.2.0/24"), "c");
        trie.Insert(P("10.1.2.3/32"), "d");

        Assert.Equal("d", Find(trie, "10.1.2.3"));
        Assert.Equal("c", Find(trie, "10.1.2.4"));
        Assert.Equal("b", Find(trie, "10.1.3.1"));
        Assert.Equal("a", Find(trie, "10.2.0.1"));
        Assert.Equal("default", Find(trie, "11.0.0.1"));
        Assert.Equal(5, trie.Count);
    }

    [Fact]
    public void MatchesWireGuardGoAllowedIpsScenario()
    {
        // The layout of wireguard-go's TestTrieIPv4 (facts only: which peer owns which address).
        IpPrefixTrie<string> trie = new();
        trie.Insert(P("192.168.4.0/24"), "a");
        trie.Insert(P("192.168.4.4/32"), "b");
        trie.Insert(P("192.168.0.0/16"), "c");
        trie.Insert(P("192.95.5.64/27"), "d");
        trie.Insert(P("192.95.5.65/27"), "c"); // same /27 as d: moves it to c
        trie.Insert(P("0.0.0.0/0"), "e");
        trie.Insert(P("64.15.112.0/20"), "g");
        trie.Insert(P("64.15.123.211/25"), "h");
        trie.Insert(P("10.0.0.0/25"), "a");
        trie.Insert(P("10.0.0.128/25"), "b");
        trie.Insert(P("10.1.0.0/30"), "a");
        trie.Insert(P("10.1.0.4/30"), "b");
        trie.Insert(P("10.1.0.8/29"), "c");
        trie.Insert(P("10.1.0.16/29"), "d");

        Assert.Equal("a", Find(trie, "192.168.4.20"));
        Assert.Equal("a", Find(trie, "192.168.4.0"));
        Assert.Equal("b", Find(trie, "192.168.4.4"));
        Assert.Equal("c", Find(trie, "192.168.200.182"));
        Assert.Equal("c", Find(trie, "192.95.5.68"));
        Assert.Equal("e", Find(trie, "192.95.5.96"));
        Assert.Equal("g", Find(trie, "64.15.116.26"));
        Assert.Equal("g", Find(trie, "64.15.127.3"));
        Assert.Equal("g", Find(trie, "64.15.123.1")); // outside 64.15.123.128/25
        Assert.Equal("h", Find(trie, "64.15.123.211"));
        Assert.Equal("h", Find(trie, "64.15.123.255"));
        Assert.Equal("h", Find(trie, "64.15.123.128"));
        Assert.Equal("a", Find(trie, "10.0.0.34"));
        Assert.Equal("b", Find(trie, "10.0.0.224"));
        Assert.Equal("a", Find(trie, "10.1.0.3"));
        Assert.Equal("b", Find(trie, "10.1.0.5"));
        Assert.Equal("c", Find(trie, "10.1.0.15"));
        Assert.Equal("d", Find(trie, "10.1.0.23"));
        Assert.Equal("e", Find(trie, "10.1.0.24"));

        Assert.Equal([P("10.1.0.16/29")], trie.GetPrefixes("d")); // its /27 moved to c
        Assert.Equal(3, trie.RemoveByValue("a"));
        Assert.Equal("c", Find(trie, "192.168.4.20"));
        Assert.Equal("b", Find(trie, "192.168.4.4"));
        Assert.Equal("e", Find(trie, "10.0.0.34"));
        Assert.Equal("c", Find(trie, "192.168.4.1")); // the /16 shows through
    }

    [Fact]
    public void InsertingAnOwnedPrefixMovesItToTheNewValue()
    {
        IpPrefixTrie<string> trie = new();
        trie.Insert(P("10.0.0.0/24"), "peer1");
        trie.Insert(P("10.0.0.0/24"), "peer2");

        Assert.Equal(1, trie.Count);
        Assert.Equal("peer2", Find(trie, "10.0.0.9"));
        Assert.Empty(trie.GetPrefixes("peer1"));
        Assert.Equal([P("10.0.0.0/24")], trie.GetPrefixes("peer2"));
        Assert.Equal(0, trie.RemoveByValue("peer1"));
        Assert.Equal("peer2", Find(trie, "10.0.0.9"));
    }

    [Fact]
    public void RemoveReturnsTheValueAndUncoversShorterPrefixes()
    {
        IpPrefixTrie<string> trie = new();
        trie.Insert(P("10.0.0.0/8"), "wide");
        trie.Insert(P("10.0.0.0/24"), "narrow");

        Assert.True(trie.Remove(P("10.0.0.0/24"), out string? removed));
        Assert.Equal("narrow", removed);
        Assert.Equal("wide", Find(trie, "10.0.0.1"));
        Assert.False(trie.Remove(P("10.0.0.0/24"), out _));
        Assert.False(trie.Remove(P("10.0.0.0/16")));
        Assert.Equal(1, trie.Count);
        Assert.True(trie.Remove(P("10.0.0.0/8")));
        Assert.Null(Find(trie, "10.0.0.1"));
        Assert.Equal(0, trie.Count);
    }

    [Fact]
    public void RemoveByValueAndPrefixOnlyRemovesItsOwn()
    {
        IpPrefixTrie<string> trie = new();
        trie.Insert(P("10.0.0.0/24"), "a");
        Assert.False(trie.RemoveByValue("b", P("10.0.0.0/24")));
        Assert.Equal("a", Find(trie, "10.0.0.1"));
        Assert.True(trie.RemoveByValue("a", P("10.0.0.0/24")));
        Assert.Null(Find(trie, "10.0.0.1"));
        Assert.False(trie.RemoveByValue("a", P("10.0.0.0/24")));
    }

    [Fact]
    public void FamiliesAreSeparate()
    {
        IpPrefixTrie<string> trie = new();
        trie.Insert(P("::/0"), "v6");
        trie.Insert(P("::ffff:0:0/96"), "mapped");
        Assert.Null(Find(trie, "10.0.0.1"));
        Assert.Equal("mapped", Find(trie, "::ffff:10.0.0.1"));
        trie.Insert(P("0.0.0.0/0"), "v4");
        Assert.Equal("v4", Find(trie, "10.0.0.1"));
        Assert.Equal("v6", Find(trie, "fd00::1"));
    }

    [Fact]
    public void SpanLookupTakesFourOrSixteenBytes()
    {
        IpPrefixTrie<string> trie = new();
        trie.Insert(P("10.0.0.0/8"), "v4");
        trie.Insert(P("fd00::/8"), "v6");
        Assert.True(trie.TryLookup([10, 9, 9, 9], out string? v4));
        Assert.Equal("v4", v4);
        Assert.True(trie.TryLookup([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], out string? v6));
        Assert.Equal("v6", v6);
        Assert.False(trie.TryLookup([10, 0, 0], out _));
        Assert.False(trie.TryLookup(new byte[17], out _));
        Assert.False(trie.TryLookup([], out _));
        Assert.False(trie.TryLookup(default(IpAddressKey), out _));
    }

    [Fact]
    public void ListsPrefixesOfAValueInStableSortedOrder()
    {
        IpPrefixTrie<string> a = new();
        IpPrefixTrie<string> b = new();
        string[] prefixes = ["fd00::/64", "10.0.0.0/24", "10.0.0.0/8", "192.168.1.1/32", "::/0", "1.2.3.0/24"];
        foreach (string p in prefixes)
        {
            a.Insert(P(p), "x");
        }
        foreach (string p in prefixes.Reverse())
        {
            b.Insert(P(p), "x");
        }
        b.Insert(P("172.16.0.0/12"), "y");

        string[] expected = ["1.2.3.0/24", "10.0.0.0/8", "10.0.0.0/24", "192.168.1.1/32", "::/0", "fd00::/64"];
        Assert.Equal(expected, a.GetPrefixes("x").Select(p => p.ToString()));
        Assert.Equal(expected, b.GetPrefixes("x").Select(p => p.ToString()));
        Assert.Equal(["172.16.0.0/12"], b.GetPrefixes("y").Select(p => p.ToString()));
        Assert.Empty(b.GetPrefixes("z"));

        Assert.Equal(
            ["1.2.3.0/24=x", "10.0.0.0/8=x", "10.0.0.0/24=x", "172.16.0.0/12=y", "192.168.1.1/32=x", "::/0=x", "fd00::/64=x"],
            b.GetEntries().Select(e => $"{e.Key}={e.Value}"));
    }

    [Fact]
    public void ExactGetAndClear()
    {
        IpPrefixTrie<string> trie = new();
        trie.Insert(P("10.0.0.0/8"), "a");
        trie.Insert(P("0.0.0.0/0"), "d");
        trie.Insert(P("::/0"), "d6");
        Assert.True(trie.TryGetValue(P("10.0.0.0/8"), out string? exact));
        Assert.Equal("a", exact);
        Assert.False(trie.TryGetValue(P("10.0.0.0/9"), out _));
        Assert.True(trie.TryGetValue(P("0.0.0.0/0"), out _));

        trie.Clear();

        Assert.Equal(0, trie.Count);
        Assert.Null(Find(trie, "10.0.0.1"));
        Assert.Null(Find(trie, "::1"));
        Assert.Empty(trie.GetPrefixes("a"));
        trie.Insert(P("10.0.0.0/8"), "again");
        Assert.Equal("again", Find(trie, "10.1.1.1"));
    }

    [Fact]
    public void UsesTheSuppliedComparer()
    {
        IpPrefixTrie<string> trie = new(StringComparer.OrdinalIgnoreCase);
        trie.Insert(P("10.0.0.0/8"), "Peer");
        trie.Insert(P("fd00::/8"), "PEER");
        Assert.Equal(2, trie.GetPrefixes("peer").Length);
        Assert.Equal(2, trie.RemoveByValue("peer"));
        Assert.Equal(0, trie.Count);
    }

    [Fact]
    public void Inserts65536PrefixesOnOneValueQuickly()
    {
        IpPrefixTrie<object> trie = new();
        object peer = new();
        Stopwatch watch = Stopwatch.StartNew();
        for (int i = 0; i < 65536; i++)
        {
            trie.Insert(new IpPrefix(IpAddressKey.FromV4(0x0A00_0000u | ((uint)i << 8)), 24), peer);
        }
        watch.Stop();

        Assert.Equal(65536, trie.Count);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"65,536 inserts took {watch.Elapsed}");
        Assert.True(trie.TryLookup(IpAddressKey.Parse("10.255.255.1"), out object? found));
        Assert.Same(peer, found);

        watch.Restart();
        Assert.Equal(65536, trie.RemoveByValue(peer));
        watch.Stop();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"removing 65,536 took {watch.Elapsed}");
        Assert.Equal(0, trie.Count);
    }

    [Fact]
    public void Inserts40PeersWith52PrefixesEachQuickly()
    {
        IpPrefixTrie<object> trie = new();
        object[] peers = [.. Enumerable.Range(0, 40).Select(_ => new object())];
        Random random = new(40 * 52);
        List<(IpPrefix, object)> work = [];
        for (int p = 0; p < peers.Length; p++)
        {
            for (int i = 0; i < 52; i++)
            {
                byte[] v6 = new byte[16];
                random.NextBytes(v6);
                work.Add((i % 2 == 0
                    ? new IpPrefix(IpAddressKey.FromV4((uint)random.Next()), random.Next(8, 33))
                    : new IpPrefix(IpAddressKey.FromV6(v6), random.Next(16, 129)), peers[p]));
            }
        }
        Stopwatch watch = Stopwatch.StartNew();
        foreach ((IpPrefix prefix, object peer) in work)
        {
            trie.Insert(prefix, peer);
        }
        watch.Stop();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"40 x 52 inserts took {watch.Elapsed}");
        Assert.Equal(work.Select(w => w.Item1).Distinct().Count(), trie.Count);
    }
}
