// A compiled source or destination list of a rule: "in some non-negated prefix (or there is none) and
// in no negated prefix". Short lists are scanned; long ones go into the shared prefix trie.
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using WgSharp.Router.Routing;
using WgSharp.Tun.Net;

namespace WgSharp.Router.Policy;

/// <summary>
/// Membership test for one prefix list. Immutable after construction; lookups take no lock and allocate
/// nothing.
/// </summary>
/// <remarks>
/// Two separate sets, positive and negated, each answering "is the address inside any of them": this is
/// not longest-prefix match (10.0.0.5 is outside "10.0.0.0/24, !10.0.0.0/8" although the /24 is the
/// longer match), so each sign gets its own structure. Within a sign, each family's prefixes are
/// scanned (mask-and-compare on one or two words) when there are at most <see cref="LinearLimit"/> of
/// them, and put into an <see cref="IpPrefixTrie{T}"/> otherwise, whose cost grows with its depth rather
/// than the count. PolicyPrefixSetBenchmarks (bench/Wg.Bench, probes inside the prefixes' /8, half hits)
/// on the shared 2-vCPU VM: scan vs trie 4.8 vs 9.1 ns (IPv4) and 10 vs 21 ns (IPv6) at 8 prefixes,
/// 7.7 vs 14.6 / 14.8 vs 11.0 ns at 16, 9.7 vs 10.8 / 19.2 vs 11.7 ns at 32, 27 vs 14 / 63 vs 16 ns at 64.
/// </remarks>
internal sealed class PolicyPrefixSet
{
    /// <summary>The largest number of prefixes of one sign and family that is scanned rather than put in a trie (measured, see the remarks).</summary>
    public const int LinearLimit = 16;

    private readonly bool _hasPositive;
    private readonly Sign _positive;
    private readonly Sign _negative;

    /// <param name="linearLimit">Overrides <see cref="LinearLimit"/> (benchmarks and tests compare the two strategies).</param>
    public PolicyPrefixSet(ImmutableArray<PrefixSelector> prefixes, int linearLimit = LinearLimit)
    {
        List<IpPrefix> positive = [];
        List<IpPrefix> negative = [];
        foreach (PrefixSelector prefix in Items(prefixes))
        {
            (prefix.Negated ? negative : positive).Add(IpPrefix.FromNetwork(prefix.Network));
        }
        _hasPositive = positive.Count > 0;
        _positive = new Sign(positive, linearLimit);
        _negative = new Sign(negative, linearLimit);
    }

    /// <summary>A rule's list, with <c>default</c> (never assigned) read as empty.</summary>
    public static ImmutableArray<PrefixSelector> Items(ImmutableArray<PrefixSelector> list) => list.IsDefault ? [] : list;

    /// <summary>True when the prefixes of one sign are in a trie rather than scanned (for tests).</summary>
    internal bool UsesTrie => _positive.Trie4 is not null || _positive.Trie6 is not null || _negative.Trie4 is not null || _negative.Trie6 is not null;

    /// <summary>True when <paramref name="address"/> is in some positive prefix (or there is none) and in no negated one.</summary>
    public bool Contains(in IpAddressKey address) =>
        (!_hasPositive || _positive.Contains(address)) && !_negative.Contains(address);

    [StructLayout(LayoutKind.Auto)]
    private readonly struct V4Entry(uint network, uint mask)
    {
        public readonly uint Network = network;
        public readonly uint Mask = mask;
    }

    [StructLayout(LayoutKind.Auto)]
    private readonly struct V6Entry(ulong high, ulong low, ulong maskHigh, ulong maskLow)
    {
        public readonly ulong High = high;
        public readonly ulong Low = low;
        public readonly ulong MaskHigh = maskHigh;
        public readonly ulong MaskLow = maskLow;
    }

    /// <summary>The prefixes of one sign: per family, an array to scan or a trie.</summary>
    private sealed class Sign
    {
        public readonly V4Entry[] V4;
        public readonly V6Entry[] V6;
        public readonly IpPrefixTrie<bool>? Trie4;
        public readonly IpPrefixTrie<bool>? Trie6;

        public Sign(List<IpPrefix> prefixes, int linearLimit)
        {
            List<IpPrefix> v4 = [.. prefixes.Where(p => p.Family == IpFamily.V4)];
            List<IpPrefix> v6 = [.. prefixes.Where(p => p.Family == IpFamily.V6)];
            Trie4 = v4.Count > linearLimit ? ToTrie(v4) : null;
            Trie6 = v6.Count > linearLimit ? ToTrie(v6) : null;
            V4 = Trie4 is not null ? [] : [.. v4.Select(p => new V4Entry(p.Address.V4Value, (uint)(IpAddressKey.MaskHigh(p.Length) >> 32)))];
            V6 = Trie6 is not null ? [] : [.. v6.Select(p => new V6Entry(p.Address.High, p.Address.Low, IpAddressKey.MaskHigh(p.Length), IpAddressKey.MaskLow(p.Length)))];
        }

        public bool Contains(in IpAddressKey address)
        {
            if (address.IsV4)
            {
                if (Trie4 is not null)
                {
                    return Trie4.TryLookup(address, out _);
                }
                uint value = (uint)(address.High >> 32);
                foreach (ref readonly V4Entry entry in V4.AsSpan())
                {
                    if ((value & entry.Mask) == entry.Network)
                    {
                        return true;
                    }
                }
                return false;
            }
            if (!address.IsV6)
            {
                return false;
            }
            if (Trie6 is not null)
            {
                return Trie6.TryLookup(address, out _);
            }
            ulong high = address.High;
            ulong low = address.Low;
            foreach (ref readonly V6Entry entry in V6.AsSpan())
            {
                if ((high & entry.MaskHigh) == entry.High && (low & entry.MaskLow) == entry.Low)
                {
                    return true;
                }
            }
            return false;
        }

        private static IpPrefixTrie<bool> ToTrie(List<IpPrefix> prefixes)
        {
            IpPrefixTrie<bool> trie = new();
            foreach (IpPrefix prefix in prefixes)
            {
                trie.Insert(prefix, true);
            }
            return trie;
        }
    }
}
