// Lock-free lookups racing a writer: while one thread moves host prefixes between owners and churns
// prefixes that split and splice the branch nodes above them, reader threads must never crash and
// must always see the old or the new owner (never the covering /8, "no match" or a stranger).
using WgSharp.Router.Routing;

namespace WgSharp.Router.Tests;

public class IpPrefixTrieConcurrencyTests
{
    private const string A = "A";
    private const string B = "B";
    private const string C = "C";
    private const string D = "D";

    [Fact]
    public void LookupsDuringWritesSeeOldOrNewOwner()
    {
        IpPrefixTrie<string> trie = new();
        IpAddressKey moving4 = IpAddressKey.Parse("10.1.200.1");     // its /32 moves B <-> C
        IpAddressKey moving6 = IpAddressKey.Parse("fd00:1:c800::1"); // its /128 moves B <-> C
        IpPrefix moving4Host = new(moving4, 32);
        IpPrefix moving6Host = new(moving6, 128);
        trie.Insert(IpPrefix.Parse("10.0.0.0/8"), A);
        trie.Insert(IpPrefix.Parse("fd00::/8"), A);
        trie.Insert(moving4Host, B);
        trie.Insert(moving6Host, B);
        IpAddressKey churned4 = IpAddressKey.Parse("10.1.100.0");    // D-owned prefixes come and go over it
        IpAddressKey stable4 = IpAddressKey.Parse("10.3.0.1");
        IpAddressKey stable6 = IpAddressKey.Parse("fd00:3::1");
        IpAddressKey nothing4 = IpAddressKey.Parse("11.0.0.1");

        using CancellationTokenSource stop = new(TimeSpan.FromSeconds(2));
        long failures = 0;
        long lookups = 0;
        string? firstFailure = null;

        void Fail(string message)
        {
            Interlocked.Increment(ref failures);
            Interlocked.CompareExchange(ref firstFailure, message, null);
        }

        Thread[] readers = [.. Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            byte[] raw = new byte[4];
            moving4.CopyTo(raw);
            long local = 0;
            while (!stop.IsCancellationRequested)
            {
                for (int i = 0; i < 1000; i++)
                {
                    if (!trie.TryLookup(moving4, out string? m4) || (m4 != B && m4 != C))
                    {
                        Fail($"moving4 -> {m4 ?? "none"}");
                    }
                    if (!trie.TryLookup(raw, out string? r4) || (r4 != B && r4 != C))
                    {
                        Fail($"moving4 (span) -> {r4 ?? "none"}");
                    }
                    if (!trie.TryLookup(moving6, out string? m6) || (m6 != B && m6 != C))
                    {
                        Fail($"moving6 -> {m6 ?? "none"}");
                    }
                    if (!trie.TryLookup(churned4, out string? c4) || (c4 != A && c4 != D))
                    {
                        Fail($"churned4 -> {c4 ?? "none"}");
                    }
                    if (!trie.TryLookup(stable4, out string? s4) || s4 != A)
                    {
                        Fail($"stable4 -> {s4 ?? "none"}");
                    }
                    if (!trie.TryLookup(stable6, out string? s6) || s6 != A)
                    {
                        Fail($"stable6 -> {s6 ?? "none"}");
                    }
                    if (trie.TryLookup(nothing4, out string? n4))
                    {
                        Fail($"nothing4 -> {n4}");
                    }
                }
                local += 7000;
            }
            Interlocked.Add(ref lookups, local);
        }) { IsBackground = true })];

        foreach (Thread reader in readers)
        {
            reader.Start();
        }

        Random random = new(12345);
        long writes = 0;
        while (!stop.IsCancellationRequested)
        {
            // The semantic change the readers watch: ownership of the covering prefixes flips.
            string owner = (writes & 1) == 0 ? C : B;
            trie.Insert(moving4Host, owner);
            trie.Insert(moving6Host, owner);

            // Structural churn on the probed paths: prefixes that share all but their last bit with the
            // probes, so inserting them creates branch nodes between the /8 and the host prefix that
            // the readers walk through, and removing them splices those nodes out again.
            for (int i = 0; i < 8; i++)
            {
                int length4 = random.Next(17, 33);
                IpPrefix sibling4 = new(FlipBit(moving4, length4 - 1), length4);
                int length6 = random.Next(33, 129);
                IpPrefix sibling6 = new(FlipBit(moving6, length6 - 1), length6);
                if (random.Next(2) == 0)
                {
                    trie.Insert(sibling4, D);
                    trie.Insert(sibling6, D);
                }
                else
                {
                    trie.Remove(sibling4);
                    trie.Remove(sibling6);
                }
                // Prefixes covering churned4 only (host bits of moving4 differ): D may own it.
                int lengthChurn = random.Next(24, 33);
                IpPrefix churn = new(churned4, lengthChurn);
                if (random.Next(2) == 0)
                {
                    trie.Insert(churn, D);
                }
                else
                {
                    trie.RemoveByValue(D, churn);
                }
            }
            if (random.Next(50) == 0)
            {
                trie.RemoveByValue(D);
            }
            writes++;
        }

        foreach (Thread reader in readers)
        {
            Assert.True(reader.Join(TimeSpan.FromSeconds(10)), "reader thread did not stop");
        }
        Assert.True(failures == 0, $"{failures} bad lookups; first: {firstFailure}");
        Assert.True(lookups > 10_000, $"only {lookups} lookups ran");
        Assert.True(writes > 100, $"only {writes} write rounds ran");
    }

    private static IpAddressKey FlipBit(IpAddressKey address, int bit)
    {
        byte[] bytes = new byte[address.ByteLength];
        address.CopyTo(bytes);
        bytes[bit / 8] ^= (byte)(0x80 >> (bit % 8));
        return IpAddressKey.TryCreate(bytes, out IpAddressKey key) ? key : default;
    }
}
