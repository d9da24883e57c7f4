// The longest-prefix-match table shared by cryptokey routing (AllowedIPs → peer) and policy prefix
// matching: a path-compressed binary trie with separate IPv4 and IPv6 roots and lock-free lookups.
// Over 400 lines on purpose: one data structure whose invariants (path compression, the value index, writes
// under one lock published for lock-free readers) must be read together with every operation that keeps them.
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace WgSharp.Router.Routing;

/// <summary>
/// Maps IP prefixes to values and answers longest-prefix-match lookups.
/// </summary>
/// <remarks>
/// <para><b>Structure.</b> A path-compressed binary (PATRICIA-style) trie, the same shape the Linux
/// kernel's and wireguard-go's allowedips use. Every node is either a stored prefix or a branch point
/// with two children, so there are at most 2n nodes for n prefixes and a lookup visits one node per
/// branching bit actually present, not one per address bit: about log2(n) nodes for typical tables
/// (≈17 for 65,536 host routes) instead of up to 33/129 for an uncompressed binary trie. Multibit
/// schemes (DIR-24-8, Poptrie) would save a few node visits but cost far more memory per prefix and
/// make updates that stay safe under concurrent readers much harder; AllowedIPs tables are mutated by
/// the control plane while the data plane reads, so simple single-pointer updates win.</para>
/// <para><b>Key layout.</b> Node keys are the two big-endian words of <see cref="IpAddressKey"/>;
/// bit i of an address is the i-th most significant bit of (High, Low). The root of each family is a
/// permanent /0 node, so a /0 prefix (0.0.0.0/0, ::/0) is simply the root's value.</para>
/// <para><b>Thread safety.</b> Lookups (<see cref="TryLookup(ReadOnlySpan{byte}, out T)"/>) take no lock
/// and allocate nothing; any number may run concurrently with one writer. Mutations serialize on a
/// private lock. A node's key and length never change after construction; a writer fully initializes
/// a new node before publishing it with a single <see cref="Volatile.Write{T}(ref T, T)"/> of a child
/// pointer (release), and readers load child and value pointers with <c>Volatile.Read</c>
/// (acquire). Values live in <c>Entry</c> objects whose value never changes, so replacing a value is one
/// atomic reference store even when <typeparamref name="T"/> is a large struct. Nodes unlinked from the trie are
/// never modified again, so a reader that is still walking one sees a consistent (old) subtree. Every
/// mutation changes lookup results through exactly one such store (moving a prefix to another value,
/// clearing a value, publishing a new node); the extra stores that splice out branch nodes left with one
/// child do not change any lookup result. A lookup racing a mutation therefore returns either the
/// result before it or the result after it, never a mix and never "no match" in between. A
/// ReaderWriterLockSlim was not chosen: its reader-side interlocked operations would cost more than the
/// lookup itself and bounce a shared cache line between data-plane cores.</para>
/// </remarks>
internal sealed class IpPrefixTrie<T> where T : notnull
{
    private readonly Lock _writeLock = new();

    // The roots are permanent; their children and values are published like any other node's.
    private readonly Node _root4 = new(0, 0, 0);
    private readonly Node _root6 = new(0, 0, 0);

    private readonly IEqualityComparer<T> _comparer;

    // Head of each value's intrusive list of entries (Entry.PreviousOfValue / NextOfValue). Guarded by _writeLock.
    private readonly Dictionary<T, Entry> _entriesByValue;

    // Number of prefixes holding a value. Written under _writeLock, read with Volatile.Read.
    private int _count;

    public IpPrefixTrie()
        : this(null)
    {
    }

    /// <param name="comparer">Decides which prefixes belong to the same value for
    /// <see cref="RemoveByValue(T)"/> and <see cref="GetPrefixes(T)"/>; defaults to <see cref="EqualityComparer{T}.Default"/>.</param>
    public IpPrefixTrie(IEqualityComparer<T>? comparer)
    {
        _comparer = comparer ?? EqualityComparer<T>.Default;
        _entriesByValue = new Dictionary<T, Entry>(_comparer);
    }

    /// <summary>Number of prefixes in the table (both families).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Maps <paramref name="prefix"/> to <paramref name="value"/>. An existing entry for the same prefix is
    /// given the new value: in WireGuard, adding an allowed IP that another peer owns moves it to this peer.
    /// </summary>
    public void Insert(IpPrefix prefix, T value)
    {
        ArgumentNullException.ThrowIfNull(value);
        IpFamily family = prefix.Family;
        Node root = RootFor(family);
        ulong high = prefix.Address.High;
        ulong low = prefix.Address.Low;
        int length = prefix.Length;
        lock (_writeLock)
        {
            Node parent = root;
            if (length == 0)
            {
                Assign(root, family, value);
                return;
            }
            while (true)
            {
                ref Node? slot = ref parent.Slot(BitAt(high, low, parent.Length));
                Node? child = slot;
                if (child is null)
                {
                    Node leaf = new(high, low, length);
                    Assign(leaf, family, value);
                    Volatile.Write(ref slot, leaf);
                    return;
                }
                int common = Math.Min(Math.Min(CommonPrefixLength(high, low, child.High, child.Low), length), child.Length);
                if (common == child.Length)
                {
                    if (common == length)
                    {
                        Assign(child, family, value);
                        return;
                    }
                    parent = child;
                    continue;
                }
                Node replacement;
                if (common == length)
                {
                    // The new prefix covers the child: it goes between parent and child.
                    replacement = new Node(high, low, length);
                    replacement.Slot(BitAt(child.High, child.Low, length)) = child;
                    Assign(replacement, family, value);
                }
                else
                {
                    // The prefixes diverge at bit `common`: a branch node gets both as children.
                    Node leaf = new(high, low, length);
                    Assign(leaf, family, value);
                    replacement = new Node(high & IpAddressKey.MaskHigh(common), low & IpAddressKey.MaskLow(common), common);
                    replacement.Slot(BitAt(high, low, common)) = leaf;
                    replacement.Slot(BitAt(child.High, child.Low, common)) = child;
                }
                Volatile.Write(ref slot, replacement);
                return;
            }
        }
    }

    /// <summary>Removes <paramref name="prefix"/>; returns the value it had.</summary>
    public bool Remove(IpPrefix prefix, [MaybeNullWhen(false)] out T value)
    {
        Node root = RootFor(prefix.Family);
        lock (_writeLock)
        {
            Node? node = Find(root, prefix.Address.High, prefix.Address.Low, prefix.Length, out Node? parent, out Node? grandparent);
            Entry? entry = node?.Entry;
            if (entry is null)
            {
                value = default;
                return false;
            }
            value = entry.Value;
            RemoveNode(node!, parent, grandparent);
            return true;
        }
    }

    /// <summary>Removes <paramref name="prefix"/>.</summary>
    public bool Remove(IpPrefix prefix) => Remove(prefix, out _);

    /// <summary>Removes <paramref name="prefix"/> only if it maps to <paramref name="value"/>.</summary>
    public bool RemoveByValue(T value, IpPrefix prefix)
    {
        ArgumentNullException.ThrowIfNull(value);
        Node root = RootFor(prefix.Family);
        lock (_writeLock)
        {
            Node? node = Find(root, prefix.Address.High, prefix.Address.Low, prefix.Length, out Node? parent, out Node? grandparent);
            Entry? entry = node?.Entry;
            if (entry is null || !_comparer.Equals(entry.Value, value))
            {
                return false;
            }
            RemoveNode(node!, parent, grandparent);
            return true;
        }
    }

    /// <summary>Removes every prefix of <paramref name="value"/> (peer removal); returns how many.</summary>
    public int RemoveByValue(T value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_writeLock)
        {
            if (!_entriesByValue.TryGetValue(value, out Entry? entry))
            {
                return 0;
            }
            int removed = 0;
            while (entry is not null)
            {
                Entry? next = entry.NextOfValue;
                Node node = entry.Owner;
                Node? found = Find(RootFor(entry.Family), node.High, node.Low, node.Length, out Node? parent, out Node? grandparent);
                if (!ReferenceEquals(found, node))
                {
                    RoutingThrowHelper.ThrowInvalidOperation("IpPrefixTrie value index is out of sync with the trie.");
                }
                RemoveNode(node, parent, grandparent);
                removed++;
                entry = next;
            }
            return removed;
        }
    }

    /// <summary>Removes every prefix.</summary>
    public void Clear()
    {
        lock (_writeLock)
        {
            foreach (Node root in (ReadOnlySpan<Node>)[_root4, _root6])
            {
                Volatile.Write(ref root.Child0, null);
                Volatile.Write(ref root.Child1, null);
                Volatile.Write(ref root.Entry, null);
            }
            _entriesByValue.Clear();
            Volatile.Write(ref _count, 0);
        }
    }

    /// <summary>
    /// Longest-prefix match for a 4-byte (IPv4) or 16-byte (IPv6) network-order address. Lock-free and
    /// allocation-free; any other length finds nothing.
    /// </summary>
    public bool TryLookup(ReadOnlySpan<byte> address, [MaybeNullWhen(false)] out T value)
    {
        if (address.Length == IpAddressKey.V4Length)
        {
            return LookupCore(_root4, (ulong)BinaryPrimitives.ReadUInt32BigEndian(address) << 32, 0, out value);
        }
        if (address.Length == IpAddressKey.V6Length)
        {
            return LookupCore(
                _root6,
                BinaryPrimitives.ReadUInt64BigEndian(address),
                BinaryPrimitives.ReadUInt64BigEndian(address[8..]),
                out value);
        }
        value = default;
        return false;
    }

    /// <summary>Longest-prefix match for <paramref name="address"/>. Lock-free and allocation-free.</summary>
    public bool TryLookup(IpAddressKey address, [MaybeNullWhen(false)] out T value)
    {
        switch (address.Family)
        {
            case IpFamily.V4:
                return LookupCore(_root4, address.High, 0, out value);
            case IpFamily.V6:
                return LookupCore(_root6, address.High, address.Low, out value);
            default:
                value = default;
                return false;
        }
    }

    /// <summary>The value stored for exactly <paramref name="prefix"/> (no longest-match).</summary>
    public bool TryGetValue(IpPrefix prefix, [MaybeNullWhen(false)] out T value)
    {
        Node root = RootFor(prefix.Family);
        lock (_writeLock)
        {
            Entry? entry = Find(root, prefix.Address.High, prefix.Address.Low, prefix.Length, out _, out _)?.Entry;
            value = entry is null ? default : entry.Value;
            return entry is not null;
        }
    }

    /// <summary>
    /// The prefixes mapped to <paramref name="value"/>, in a stable order independent of insertion
    /// history: IPv4 before IPv6, then by network address, shorter prefixes first (UAPI `get` lists a
    /// peer's allowed_ip lines from this).
    /// </summary>
    public IpPrefix[] GetPrefixes(T value)
    {
        ArgumentNullException.ThrowIfNull(value);
        List<IpPrefix> prefixes = [];
        lock (_writeLock)
        {
            _entriesByValue.TryGetValue(value, out Entry? entry);
            for (; entry is not null; entry = entry.NextOfValue)
            {
                prefixes.Add(entry.ToPrefix());
            }
        }
        IpPrefix[] result = [.. prefixes];
        Array.Sort(result);
        return result;
    }

    /// <summary>A snapshot of every (prefix, value) pair in the same order as <see cref="GetPrefixes(T)"/>.</summary>
    public KeyValuePair<IpPrefix, T>[] GetEntries()
    {
        List<KeyValuePair<IpPrefix, T>> entries = [];
        lock (_writeLock)
        {
            // Pre-order with the 0 child first visits prefixes sorted by (address, length).
            Stack<Node> pending = new();
            pending.Push(_root6);
            pending.Push(_root4);
            while (pending.TryPop(out Node? node))
            {
                if (node.Entry is { } entry)
                {
                    entries.Add(new KeyValuePair<IpPrefix, T>(entry.ToPrefix(), entry.Value));
                }
                if (node.Child1 is { } one)
                {
                    pending.Push(one);
                }
                if (node.Child0 is { } zero)
                {
                    pending.Push(zero);
                }
            }
        }
        return [.. entries];
    }

    /// <summary>
    /// Longest-prefix match among the values <paramref name="eligible"/> accepts: the deepest prefix covering
    /// <paramref name="address"/> whose value is eligible, so an ineligible value's prefix falls back to the
    /// next less specific one (`Routes = when-up` peers without a live session). Lock-free and allocation-free
    /// (pass a static lambda or a cached delegate); <paramref name="eligible"/> runs once per covering prefix.
    /// </summary>
    public bool TryLookup(IpAddressKey address, Func<T, bool> eligible, [MaybeNullWhen(false)] out T value)
    {
        ArgumentNullException.ThrowIfNull(eligible);
        switch (address.Family)
        {
            case IpFamily.V4:
                return LookupCore(_root4, address.High, 0, new DelegateFilter(eligible), out value);
            case IpFamily.V6:
                return LookupCore(_root6, address.High, address.Low, new DelegateFilter(eligible), out value);
            default:
                value = default;
                return false;
        }
    }

    private static bool LookupCore(Node node, ulong high, ulong low, [MaybeNullWhen(false)] out T value) =>
        LookupCore(node, high, low, default(AnyValue), out value);

    // One walk for both lookups. The filter is a struct type argument, so the JIT compiles a copy per filter:
    // the plain lookup of every packet inlines AnyValue's constant true and makes no delegate call.
    private static bool LookupCore<TFilter>(Node node, ulong high, ulong low, TFilter filter, [MaybeNullWhen(false)] out T value)
        where TFilter : struct, IValueFilter
    {
        Entry? best = null;
        while (true)
        {
            Entry? entry = Volatile.Read(ref node.Entry);
            if (entry is not null && filter.Accepts(entry.Value))
            {
                best = entry;
            }
            // The branching bit is the one right after the node's prefix. For a full-length node
            // (/32, /128) it is a meaningless bit, but such nodes have no children.
            int index = node.Length;
            ulong word = index < 64 ? high : low;
            Node? child = ((word >> (~index & 63)) & 1) == 0
                ? Volatile.Read(ref node.Child0)
                : Volatile.Read(ref node.Child1);
            if (child is null || !child.Covers(high, low))
            {
                break;
            }
            node = child;
        }
        if (best is null)
        {
            value = default;
            return false;
        }
        value = best.Value;
        return true;
    }

    private interface IValueFilter
    {
        bool Accepts(T value);
    }

    private readonly struct AnyValue : IValueFilter
    {
        public bool Accepts(T value) => true;
    }

    private readonly struct DelegateFilter(Func<T, bool> eligible) : IValueFilter
    {
        public bool Accepts(T value) => eligible(value);
    }

    /// <summary>The node for exactly (high, low)/length, with its parent and grandparent; caller holds the lock.</summary>
    private static Node? Find(Node root, ulong high, ulong low, int length, out Node? parent, out Node? grandparent)
    {
        parent = null;
        grandparent = null;
        Node node = root;
        while (node.Length < length)
        {
            Node? child = node.Slot(BitAt(high, low, node.Length));
            if (child is null || child.Length > length || !child.Covers(high, low))
            {
                return null;
            }
            grandparent = parent;
            parent = node;
            node = child;
        }
        return node.Length == length ? node : null;
    }

    /// <summary>Clears a node's value and splices out nodes that no longer carry a value or a branch. Caller holds the lock.</summary>
    private void RemoveNode(Node node, Node? parent, Node? grandparent)
    {
        Unlink(node.Entry!);
        Volatile.Write(ref node.Entry, null);
        _count--;
        if (parent is null)
        {
            return; // a root: permanent
        }
        Node? zero = node.Child0;
        Node? one = node.Child1;
        if (zero is not null && one is not null)
        {
            return; // still a branch point
        }
        ref Node? slot = ref parent.SlotOf(node);
        if (zero is not null || one is not null)
        {
            Volatile.Write(ref slot, zero ?? one);
            return;
        }
        Volatile.Write(ref slot, null);
        if (grandparent is not null && parent.Entry is null)
        {
            // The parent was a value-less branch point; with one child left it is now redundant.
            Volatile.Write(ref grandparent.SlotOf(parent), parent.Child0 ?? parent.Child1);
        }
    }

    /// <summary>Gives a node a (new) value and keeps the per-value index in step. Caller holds the lock.</summary>
    private void Assign(Node node, IpFamily family, T value)
    {
        Entry? old = node.Entry;
        if (old is null)
        {
            _count++;
        }
        else
        {
            Unlink(old);
        }
        Entry entry = new(value, node, family);
        ref Entry? head = ref CollectionsMarshal.GetValueRefOrAddDefault(_entriesByValue, value, out _);
        entry.NextOfValue = head;
        if (head is not null)
        {
            head.PreviousOfValue = entry;
        }
        head = entry;
        Volatile.Write(ref node.Entry, entry);
    }

    private void Unlink(Entry entry)
    {
        if (entry.PreviousOfValue is not null)
        {
            entry.PreviousOfValue.NextOfValue = entry.NextOfValue;
        }
        else if (entry.NextOfValue is not null)
        {
            _entriesByValue[entry.Value] = entry.NextOfValue;
        }
        else
        {
            _entriesByValue.Remove(entry.Value);
        }
        if (entry.NextOfValue is not null)
        {
            entry.NextOfValue.PreviousOfValue = entry.PreviousOfValue;
        }
        entry.PreviousOfValue = null;
        entry.NextOfValue = null;
    }

    private Node RootFor(IpFamily family)
    {
        switch (family)
        {
            case IpFamily.V4:
                return _root4;
            case IpFamily.V6:
                return _root6;
            default:
                RoutingThrowHelper.ThrowArgument("default(IpPrefix) holds no prefix.", "prefix");
                return null;
        }
    }

    private static int BitAt(ulong high, ulong low, int index) =>
        index < 64 ? (int)(high >> (63 - index)) & 1 : (int)(low >> (127 - index)) & 1;

    private static int CommonPrefixLength(ulong high1, ulong low1, ulong high2, ulong low2)
    {
        ulong diff = high1 ^ high2;
        return diff != 0 ? BitOperations.LeadingZeroCount(diff) : 64 + BitOperations.LeadingZeroCount(low1 ^ low2);
    }

    /// <summary>
    /// A value attached to a node. Readers only ever read <see cref="Value"/>, which never changes, so a
    /// value is published with one reference store even when <typeparamref name="T"/> is a large struct.
    /// The other fields serve the writer's per-value index.
    /// </summary>
    private sealed class Entry(T value, Node owner, IpFamily family)
    {
        public readonly T Value = value;
        public readonly Node Owner = owner;
        public readonly IpFamily Family = family;

        // The per-value list; touched only under the write lock.
        public Entry? PreviousOfValue;
        public Entry? NextOfValue;

        public IpPrefix ToPrefix() => new(new IpAddressKey(Family, Owner.High, Owner.Low), Owner.Length);
    }

    /// <summary>
    /// A trie node: a stored prefix, a branch point, or a root. Kept to the fields a lookup reads (64
    /// bytes with the object header) so that a node visit touches as few cache lines as possible.
    /// </summary>
    private sealed class Node(ulong high, ulong low, int length)
    {
        public readonly ulong High = high;
        public readonly ulong Low = low;
        public readonly int Length = length;

        // Published with Volatile.Write under the trie's write lock; read with Volatile.Read by lookups.
        public Node? Child0;
        public Node? Child1;
        public Entry? Entry;

        /// <summary>True when the first <see cref="Length"/> bits of (high, low) equal this node's. Never called on a root (Length 0).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Covers(ulong high, ulong low)
        {
            int length = Length;
            // Shift counts stay in 0..63: Length is 1..64 in the first case and 65..128 in the second.
            return length <= 64
                ? ((high ^ High) >> (64 - length)) == 0
                : ((high ^ High) | ((low ^ Low) >> (128 - length))) == 0;
        }

        public ref Node? Slot(int bit) => ref bit == 0 ? ref Child0 : ref Child1;

        public ref Node? SlotOf(Node child)
        {
            if (ReferenceEquals(Child0, child))
            {
                return ref Child0;
            }
            if (ReferenceEquals(Child1, child))
            {
                return ref Child1;
            }
            RoutingThrowHelper.ThrowInvalidOperation("IpPrefixTrie node is not a child of its recorded parent.");
            return ref Child0;
        }
    }
}
