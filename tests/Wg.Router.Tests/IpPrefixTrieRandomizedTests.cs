// IpPrefixTrie against a naive model (linear scan for the longest match), in the spirit of
// wireguard-go's allowedips randomized test: random overlapping prefixes of random lengths, random
// inserts/moves/removals by prefix and by value, lookups checked after every step, for IPv4 and IPv6.
using WgSharp.Router.Routing;

namespace WgSharp.Router.Tests;

public class IpPrefixTrieRandomizedTests
{
    private sealed class NaiveTable
    {
        private readonly Dictionary<IpPrefix, (byte[] Bytes, int Length, int Value)> _entries = [];

        public int Count => _entries.Count;

        public IEnumerable<KeyValuePair<IpPrefix, int>> Entries => _entries.Select(e => KeyValuePair.Create(e.Key, e.Value.Value));

        public void Insert(IpPrefix prefix, int value)
        {
            byte[] bytes = new byte[prefix.Address.ByteLength];
            prefix.Address.CopyTo(bytes);
            _entries[prefix] = (bytes, prefix.Length, value);
        }

        public bool Remove(IpPrefix prefix, out int value)
        {
            bool found = _entries.Remove(prefix, out var entry);
            value = found ? entry.Value : -1;
            return found;
        }

        public bool TryGet(IpPrefix prefix, out int value)
        {
            bool found = _entries.TryGetValue(prefix, out var entry);
            value = found ? entry.Value : -1;
            return found;
        }

        public int RemoveValue(int value)
        {
            IpPrefix[] doomed = [.. _entries.Where(e => e.Value.Value == value).Select(e => e.Key)];
            foreach (IpPrefix p in doomed)
            {
                _entries.Remove(p);
            }
            return doomed.Length;
        }

        public IpPrefix[] PrefixesOf(int value) => [.. _entries.Where(e => e.Value.Value == value).Select(e => e.Key).Order()];

        /// <summary>Longest match by scanning every entry and comparing bits byte by byte.</summary>
        public int Lookup(byte[] address)
        {
            int bestLength = -1;
            int bestValue = -1;
            foreach ((byte[] bytes, int length, int value) in _entries.Values)
            {
                if (bytes.Length == address.Length && length > bestLength && Covers(bytes, length, address))
                {
                    bestLength = length;
                    bestValue = value;
                }
            }
            return bestValue;
        }

        private static bool Covers(byte[] network, int length, byte[] address)
        {
            int full = length / 8;
            for (int i = 0; i < full; i++)
            {
                if (network[i] != address[i])
                {
                    return false;
                }
            }
            int rest = length % 8;
            if (rest == 0)
            {
                return true;
            }
            int mask = 0xFF << (8 - rest) & 0xFF;
            return (network[full] & mask) == (address[full] & mask);
        }
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(4, 2)]
    [InlineData(4, 3)]
    [InlineData(16, 4)]
    [InlineData(16, 5)]
    [InlineData(16, 6)]
    public void RandomOperationsMatchTheNaiveModel(int addressLength, int seed)
    {
        Random random = new(seed * 7919);
        const int Values = 12;
        byte[][] bases = [.. Enumerable.Range(0, 24).Select(_ => RandomBytes(random, addressLength))];
        IpPrefixTrie<int> trie = new();
        NaiveTable model = new();

        for (int step = 0; step < 6000; step++)
        {
            int op = random.Next(100);
            if (op < 60 || model.Count == 0)
            {
                IpPrefix prefix = RandomPrefix(random, bases, addressLength);
                int value = random.Next(Values);
                trie.Insert(prefix, value);
                model.Insert(prefix, value);
            }
            else if (op < 80)
            {
                IpPrefix prefix = random.Next(4) == 0 ? RandomPrefix(random, bases, addressLength) : Existing(random, model);
                bool removed = trie.Remove(prefix, out int value);
                Assert.Equal(model.Remove(prefix, out int expected), removed);
                if (removed)
                {
                    Assert.Equal(expected, value);
                }
            }
            else if (op < 92)
            {
                IpPrefix prefix = random.Next(4) == 0 ? RandomPrefix(random, bases, addressLength) : Existing(random, model);
                int value = random.Next(Values);
                bool owned = model.TryGet(prefix, out int owner) && owner == value;
                Assert.Equal(owned, trie.RemoveByValue(value, prefix));
                if (owned)
                {
                    model.Remove(prefix, out _);
                }
            }
            else if (op < 95)
            {
                int value = random.Next(Values);
                Assert.Equal(model.RemoveValue(value), trie.RemoveByValue(value));
            }
            else
            {
                int value = random.Next(Values);
                Assert.Equal(model.PrefixesOf(value), trie.GetPrefixes(value));
            }

            Assert.Equal(model.Count, trie.Count);
            for (int probe = 0; probe < 4; probe++)
            {
                byte[] address = RandomAddressNear(random, bases, addressLength);
                int expected = model.Lookup(address);
                bool found = trie.TryLookup(address, out int actual);
                Assert.True(expected == (found ? actual : -1), $"step {step}: lookup {Format(address)} gave {(found ? actual : -1)}, model {expected}");
                Assert.Equal(found, trie.TryLookup(IpAddressKey.TryCreate(address, out IpAddressKey key) ? key : default, out int viaKey));
                Assert.Equal(found ? actual : 0, found ? viaKey : 0);
            }
        }

        Assert.Equal(model.Entries.OrderBy(e => e.Key).Select(e => (e.Key, e.Value)), trie.GetEntries().Select(e => (e.Key, e.Value)));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(16)]
    public void ManyPeersManyAddressesThenPeerRemovals(int addressLength)
    {
        // wireguard-go's shape, scaled: 100 peers x 100 random prefixes, lookups, remove 4 peers, lookups.
        Random random = new(addressLength);
        IpPrefixTrie<int> trie = new();
        NaiveTable model = new();
        for (int peer = 0; peer < 100; peer++)
        {
            for (int k = 0; k < 100; k++)
            {
                IpPrefix prefix = new(Key(RandomBytes(random, addressLength)), random.Next(addressLength * 8 + 1));
                trie.Insert(prefix, peer);
                model.Insert(prefix, peer);
            }
        }
        CheckLookups(random, trie, model, addressLength, 3000);
        for (int i = 0; i < 4; i++)
        {
            int peer = random.Next(100);
            Assert.Equal(model.RemoveValue(peer), trie.RemoveByValue(peer));
            CheckLookups(random, trie, model, addressLength, 1500);
        }
        Assert.Equal(model.Count, trie.Count);
    }

    private static void CheckLookups(Random random, IpPrefixTrie<int> trie, NaiveTable model, int addressLength, int count)
    {
        for (int i = 0; i < count; i++)
        {
            byte[] address = RandomBytes(random, addressLength);
            int expected = model.Lookup(address);
            bool found = trie.TryLookup(address, out int actual);
            Assert.True(expected == (found ? actual : -1), $"lookup {Format(address)} gave {(found ? actual : -1)}, model {expected}");
        }
    }

    private static IpAddressKey Key(byte[] bytes) => IpAddressKey.TryCreate(bytes, out IpAddressKey key) ? key : throw new InvalidOperationException();

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A prefix of one of the base addresses (so prefixes nest and overlap), or sometimes anywhere.</summary>
    private static IpPrefix RandomPrefix(Random random, byte[][] bases, int addressLength)
    {
        byte[] address = random.Next(5) == 0 ? RandomBytes(random, addressLength) : RandomAddressNear(random, bases, addressLength);
        int bits = addressLength * 8;
        int length = random.Next(6) switch
        {
            0 => 0,
            1 => bits,
            _ => random.Next(bits + 1),
        };
        return new IpPrefix(Key(address), length);
    }

    /// <summary>A base address with a random number of trailing bits randomized.</summary>
    private static byte[] RandomAddressNear(Random random, byte[][] bases, int addressLength)
    {
        byte[] address = (byte[])bases[random.Next(bases.Length)].Clone();
        int bits = addressLength * 8;
        int keep = random.Next(bits + 1);
        for (int bit = keep; bit < bits; bit++)
        {
            if (random.Next(2) == 0)
            {
                address[bit / 8] ^= (byte)(0x80 >> (bit % 8));
            }
        }
        return address;
    }

    private static IpPrefix Existing(Random random, NaiveTable model)
    {
        KeyValuePair<IpPrefix, int>[] entries = [.. model.Entries];
        return entries[random.Next(entries.Length)].Key;
    }

    private static string Format(byte[] address) => Key(address).ToString();
}
