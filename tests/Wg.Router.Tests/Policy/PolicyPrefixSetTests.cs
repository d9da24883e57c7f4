// PolicyPrefixSet: the "some positive (or none) and no negated" semantics, families, and both
// strategies (scan and trie) checked against a naive model on random lists and addresses.
using System.Collections.Immutable;
using WgSharp.Router.Policy;
using WgSharp.Router.Routing;
using WgSharp.Tun.Net;

namespace WgSharp.Router.Tests.Policy;

public class PolicyPrefixSetTests
{
    private static ImmutableArray<PrefixSelector> List(params string[] entries) => [.. entries.Select(PrefixSelector.Parse)];

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public void PositiveNegatedAndFamilies(int linearLimit)
    {
        PolicyPrefixSet set = new(List("10.0.0.0/8", "!10.1.0.0/16", "fd00::/8", "!fd00:1::/32"), linearLimit);
        Assert.Equal(linearLimit == 0, set.UsesTrie);

        Assert.True(set.Contains(IpAddressKey.Parse("10.2.3.4")));
        Assert.False(set.Contains(IpAddressKey.Parse("10.1.3.4")));
        Assert.False(set.Contains(IpAddressKey.Parse("11.0.0.1")));
        Assert.True(set.Contains(IpAddressKey.Parse("fd00:2::1")));
        Assert.False(set.Contains(IpAddressKey.Parse("fd00:1::1")));
        Assert.False(set.Contains(IpAddressKey.Parse("2001:db8::1")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public void NegationIsNotLongestMatch(int linearLimit)
    {
        // 10.0.0.5 is in the /24 and in the negated /8: negation wins although the /24 is more specific.
        PolicyPrefixSet set = new(List("10.0.0.0/24", "!10.0.0.0/8"), linearLimit);
        Assert.False(set.Contains(IpAddressKey.Parse("10.0.0.5")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public void OnlyNegatedEntriesMatchEverythingElseOfEitherFamily(int linearLimit)
    {
        PolicyPrefixSet set = new(List("!192.168.0.0/16"), linearLimit);
        Assert.False(set.Contains(IpAddressKey.Parse("192.168.1.1")));
        Assert.True(set.Contains(IpAddressKey.Parse("10.0.0.1")));
        Assert.True(set.Contains(IpAddressKey.Parse("fd00::1")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public void PositivesOfOneFamilyExcludeTheOther(int linearLimit)
    {
        PolicyPrefixSet set = new(List("0.0.0.0/0"), linearLimit);
        Assert.True(set.Contains(IpAddressKey.Parse("203.0.113.9")));
        Assert.False(set.Contains(IpAddressKey.Parse("::ffff:203.0.113.9")));
        Assert.False(set.Contains(default));
    }

    [Fact]
    public void ScanTrieAndMixedAgreeWithNaiveModel()
    {
        Random random = new(1234);
        for (int round = 0; round < 300; round++)
        {
            int count = random.Next(1, 40);
            ImmutableArray<PrefixSelector> list = [.. Enumerable.Range(0, count).Select(_ => RandomEntry(random))];
            PolicyPrefixSet scan = new(list, int.MaxValue);
            PolicyPrefixSet trie = new(list, 0);
            PolicyPrefixSet mixed = new(list, 3); // some sign and family scanned, another in a trie
            for (int probe = 0; probe < 200; probe++)
            {
                // Probes near the listed prefixes so that both answers are common.
                PrefixSelector near = list[random.Next(list.Length)];
                IpAddressKey address = random.Next(3) == 0 ? RandomAddress(random, random.Next(2) == 0) : Perturb(random, IpPrefix.FromNetwork(near.Network));
                bool expected = (!list.Any(p => !p.Negated) || list.Any(p => !p.Negated && IpPrefix.FromNetwork(p.Network).Contains(address)))
                    && !list.Any(p => p.Negated && IpPrefix.FromNetwork(p.Network).Contains(address));
                Assert.Equal(expected, scan.Contains(address));
                Assert.Equal(expected, trie.Contains(address));
                Assert.Equal(expected, mixed.Contains(address));
            }
        }
    }

    internal static PrefixSelector RandomEntry(Random random)
    {
        bool v6 = random.Next(3) == 0;
        IpAddressKey address = RandomAddress(random, v6);
        int length = v6 ? random.Next(0, 129) : random.Next(0, 33);
        // Keep most prefixes inside 10/8 or fd00::/8 so that they overlap.
        if (length > 8 && random.Next(4) != 0)
        {
            address = v6
                ? new IpAddressKey(IpFamily.V6, (address.High & 0x00FF_FFFF_FFFF_FFFFUL) | 0xFD00_0000_0000_0000UL, address.Low)
                : IpAddressKey.FromV4((address.V4Value & 0x00FF_FFFF) | 0x0A00_0000);
        }
        return new PrefixSelector(new IpPrefix(address, length).ToNetwork(), random.Next(3) == 0);
    }

    internal static IpAddressKey RandomAddress(Random random, bool v6)
    {
        Span<byte> bytes = stackalloc byte[v6 ? 16 : 4];
        random.NextBytes(bytes);
        return v6 ? IpAddressKey.FromV6(bytes) : IpAddressKey.FromV4(bytes);
    }

    private static IpAddressKey Perturb(Random random, IpPrefix prefix)
    {
        // Inside the prefix, with a chance of flipping one bit near its boundary.
        IpAddressKey inside = RandomAddress(random, prefix.Family == IpFamily.V6);
        ulong high = (prefix.Address.High & IpAddressKey.MaskHigh(prefix.Length)) | (inside.High & ~IpAddressKey.MaskHigh(prefix.Length));
        ulong low = (prefix.Address.Low & IpAddressKey.MaskLow(prefix.Length)) | (inside.Low & ~IpAddressKey.MaskLow(prefix.Length));
        int bit = prefix.Length + random.Next(-2, 2);
        if (random.Next(2) == 0 && bit >= 0 && bit < prefix.Address.BitLength)
        {
            if (bit < 64)
            {
                high ^= 1UL << (63 - bit);
            }
            else
            {
                low ^= 1UL << (127 - bit);
            }
        }
        return new IpAddressKey(prefix.Family, high, low);
    }
}
