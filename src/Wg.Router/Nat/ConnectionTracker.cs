// The connection tracking table: flows indexed by both their original and reply tuples in a bounded,
// preallocated chained hash table; striped locks for the per-packet path, one lock for changes.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using WgSharp.Router.Packets;

namespace WgSharp.Router.Nat;

/// <summary>
/// Tracks TCP, UDP, ICMP echo and port-less flows with per-state idle timeouts, in a table of at most
/// <see cref="ConntrackOptions.Capacity"/> flows. Time is passed in (a monotonic <see cref="TimeSpan"/>);
/// nothing here reads a clock. Expired flows stop matching at once and are reclaimed by
/// <see cref="Sweep"/> or when their tuple or slot is needed.
/// </summary>
/// <remarks>
/// <para>Layout: flows live in a preallocated slot array. Each flow has two nodes (2·slot for the
/// original tuple, 2·slot+1 for the reply tuple) chained into a power-of-two bucket array of at least
/// twice the capacity; chains are int indices, so inserting, looking up and removing allocate nothing.
/// Measured against <c>Dictionary&lt;FlowTuple, int&gt;</c> under a lock (bench NatBenchmarks) the hit
/// path is on a par while also bounding memory and never rehashing on the data path.</para>
/// <para>Locking: every structural change (insert, evict, expire, remove) runs under <c>_writeLock</c>
/// and, for the buckets it touches, their stripe locks (ascending order). A lookup takes only the stripe
/// lock of its bucket. Why not a lock-free read path: every lookup writes anyway (it refreshes the
/// flow's last-seen time and advances its TCP state), a flow's two tuples hash to different stripes so
/// two workers can update one flow at once (the status word is therefore changed by compare-and-swap),
/// and an uncontended stripe lock costs about as much as the validation a seqlock reader needs,
/// without its retry loops and slot-reuse hazards. With 64 stripes, workers rarely meet.</para>
/// <para>Eviction: flows are kept in a list by age. A full table scans up to
/// <see cref="ConntrackOptions.EvictionScanLimit"/> of the oldest: the first expired flow goes, else the
/// oldest non-assured one; assured live flows scanned move to the young end (a second chance), so a
/// table full of assured flows is scanned a little further each time. If nothing qualifies the new
/// flow is refused and counted (Linux early_drop likewise never drops assured flows).</para>
/// <para>Shares: every flow has an owner, the side that opened it (a peer's tag, or <see cref="LocalOwner"/>
/// for the local side), and no owner may hold more than <see cref="PerOwnerLimit"/> flows: a peer opening
/// flows as fast as it can (or assuring them, which makes them unevictable) fills its own share, never the
/// table, so the other peers and the local side can still open theirs. An owner at its share makes room among its
/// own flows as a full table does among all (the same bounded scan: expired first, else the oldest unassured);
/// failing that, the new flow is refused and counted (<see cref="ConntrackInsertResult.OverShare"/>).</para>
/// </remarks>
internal sealed partial class ConnectionTracker
{
    /// <summary>Peer tag meaning "no peer requirement" in <see cref="TryObserve"/>.</summary>
    public const int AnyPeer = -1;

    /// <summary>The owner of flows opened from the local side (peers own theirs by their non-negative tags).</summary>
    public const int LocalOwner = -2;

    private const int NoNode = -1;

    /// <summary>Evict's owner meaning "any owner" (the table is full).</summary>
    private const int AnyOwner = int.MinValue;
    private const int SweepChunk = 1024;

    private readonly Slot[] _slots;
    private readonly int[] _buckets;
    private readonly int[] _chainNext;
    private readonly object[] _stripes;
    private readonly object _writeLock = new();
    private readonly int _bucketMask;
    private readonly int _stripeMask;
    private readonly int _evictionScanLimit;
    private readonly ulong _seed0;
    private readonly ulong _seed1;
    private readonly long[] _tcpTimeouts;
    private readonly long _udpTimeout;
    private readonly long _udpRepliedTimeout;
    private readonly long _icmpTimeout;
    private readonly long _genericTimeout;
    private readonly long _tcpTransitoryTimeout;

    // Guarded by _writeLock. _ownerFlows: live and not yet reclaimed flows per owner (an owner with none has no
    // entry, so the dictionary holds at most one entry per owner with flows and stops growing once it has seen as
    // many owners at once as it ever will: no allocation per flow).
    private readonly Dictionary<int, int> _ownerFlows = [];
    private int _freeHead;
    private int _ageHead = NoNode;
    private int _ageTail = NoNode;
    private int _count;
    private int _perOwnerLimit;

    public ConnectionTracker(ConntrackOptions? options = null)
    {
        options ??= new ConntrackOptions();
        if (options.Capacity < 1 || options.Capacity > ConntrackOptions.MaxCapacity)
        {
            NatThrowHelper.ThrowArgumentOutOfRange(nameof(options), options.Capacity, $"Capacity must be 1..{ConntrackOptions.MaxCapacity}.");
        }
        if (options.LockStripes < 1 || options.LockStripes > 4096)
        {
            NatThrowHelper.ThrowArgumentOutOfRange(nameof(options), options.LockStripes, "LockStripes must be 1..4096.");
        }
        if (options.EvictionScanLimit < 1)
        {
            NatThrowHelper.ThrowArgumentOutOfRange(nameof(options), options.EvictionScanLimit, "EvictionScanLimit must be positive.");
        }
        options.Timeouts.Validate();

        Capacity = options.Capacity;
        _perOwnerLimit = options.PerOwnerLimit ?? Capacity;
        if (_perOwnerLimit < 1 || _perOwnerLimit > Capacity)
        {
            NatThrowHelper.ThrowArgumentOutOfRange(nameof(options), _perOwnerLimit, "PerOwnerLimit must be 1..Capacity.");
        }
        Counters = new ConntrackCounters();
        _slots = new Slot[Capacity];
        _chainNext = new int[2 * Capacity];
        int buckets = (int)BitOperations.RoundUpToPowerOf2((uint)(2 * Capacity));
        _buckets = new int[buckets];
        _buckets.AsSpan().Fill(NoNode);
        _bucketMask = buckets - 1;
        int stripes = (int)BitOperations.RoundUpToPowerOf2((uint)options.LockStripes);
        _stripes = new object[stripes];
        for (int i = 0; i < stripes; i++)
        {
            _stripes[i] = new object();
        }
        _stripeMask = stripes - 1;
        _evictionScanLimit = options.EvictionScanLimit;

        // The free list threads through ListNext in slot order.
        for (int i = 0; i < Capacity; i++)
        {
            _slots[i].ListNext = i + 1 < Capacity ? i + 1 : NoNode;
        }
        _freeHead = 0;

        ulong seed = options.HashSeed ?? BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        _seed0 = seed ^ 0xA076_1D64_78BD_642FUL;
        _seed1 = (seed * 0xE703_7ED1_A0B4_28DBUL) ^ 0x8EBC_6AF0_9C88_C6E3UL;

        ConntrackTimeouts t = options.Timeouts;
        _tcpTimeouts = new long[FlowStatus.StateMask + 1];
        _tcpTimeouts[(int)TcpConnectionState.SynSent] = t.TcpTransitory.Ticks;
        _tcpTimeouts[(int)TcpConnectionState.SynRecv] = t.TcpTransitory.Ticks;
        _tcpTimeouts[(int)TcpConnectionState.Established] = t.TcpEstablished.Ticks;
        _tcpTimeouts[(int)TcpConnectionState.FinWait] = t.TcpTransitory.Ticks;
        _tcpTimeouts[(int)TcpConnectionState.CloseWait] = t.TcpTransitory.Ticks;
        _tcpTimeouts[(int)TcpConnectionState.TimeWait] = t.TcpTimeWait.Ticks;
        _tcpTimeouts[(int)TcpConnectionState.Closed] = t.TcpClosed.Ticks;
        _tcpTimeouts[(int)TcpConnectionState.None] = t.TcpClosed.Ticks;
        _tcpTransitoryTimeout = t.TcpTransitory.Ticks;
        _udpTimeout = t.Udp.Ticks;
        _udpRepliedTimeout = t.UdpReplied.Ticks;
        _icmpTimeout = t.Icmp.Ticks;
        _genericTimeout = t.Generic.Ticks;
    }

    public int Capacity { get; }

    /// <summary>Flows in the table, expired ones not yet reclaimed included.</summary>
    public int Count => Volatile.Read(ref _count);

    public ConntrackCounters Counters { get; }

    /// <summary>
    /// Most flows one owner (a peer, or the local side) may hold; 1..<see cref="Capacity"/>. Lowering it removes
    /// nothing: an owner above the new share opens no flow until it is below it again.
    /// </summary>
    public int PerOwnerLimit
    {
        get
        {
            lock (_writeLock)
            {
                return _perOwnerLimit;
            }
        }
        set
        {
            if (value < 1 || value > Capacity)
            {
                NatThrowHelper.ThrowArgumentOutOfRange(nameof(value), value, "PerOwnerLimit must be 1..Capacity.");
            }
            lock (_writeLock)
            {
                _perOwnerLimit = value;
            }
        }
    }

    /// <summary>Flows <paramref name="owner"/> holds (expired ones not yet reclaimed included).</summary>
    public int FlowsOf(int owner)
    {
        lock (_writeLock)
        {
            return _ownerFlows.GetValueOrDefault(owner);
        }
    }

    /// <summary>
    /// Finds the live flow <paramref name="tuple"/> belongs to (either direction) and records a packet on it:
    /// refreshes its idle time and, for TCP, advances the state by <paramref name="tcpFlags"/>. With
    /// <paramref name="replyFromPeer"/> set, a flow is only updated when the packet is a reply on a flow that
    /// went out to that peer (<see cref="FlowMatch.IsReplyFrom"/>); any other match is still reported,
    /// unchanged, so the caller can drop the packet without it having touched the flow. Allocation-free.
    /// </summary>
    public bool TryObserve(in FlowTuple tuple, TcpFlags tcpFlags, TimeSpan now, out FlowMatch match, int replyFromPeer = AnyPeer) =>
        Lookup(tuple, tcpFlags, now, update: true, replyFromPeer, skipOutgoingOriginal: false, out match);

    /// <summary>
    /// <see cref="TryObserve"/> for a packet at the input of a relay hop: a match in the original direction of a
    /// flow going out to a peer (<see cref="FlowMatch.IsOutgoingOriginal"/>) is reported without recording the
    /// packet, which the outbound translation records when the packet is sent on.
    /// </summary>
    public bool TryObserveAtInput(in FlowTuple tuple, TcpFlags tcpFlags, TimeSpan now, out FlowMatch match, int replyFromPeer = AnyPeer) =>
        Lookup(tuple, tcpFlags, now, update: true, replyFromPeer, skipOutgoingOriginal: true, out match);

    /// <summary>Finds the live flow <paramref name="tuple"/> belongs to without recording a packet (for ICMP errors, which relate to a flow but do not keep it alive).</summary>
    public bool TryFind(in FlowTuple tuple, TimeSpan now, out FlowMatch match) =>
        Lookup(tuple, TcpFlags.None, now, update: false, AnyPeer, skipOutgoingOriginal: false, out match);

    /// <summary>
    /// Adds a flow whose first packet had <paramref name="original"/> and whose replies will carry
    /// <paramref name="reply"/> (the inverse of <paramref name="original"/> without NAT), counted against the share
    /// of <paramref name="owner"/> (the peer whose packet opened it, or <see cref="LocalOwner"/>). When a live
    /// flow already uses <paramref name="reply"/>, other destination ports for it from
    /// <paramref name="search"/> are tried, starting at a keyed hash of the original tuple (RFC 6056 3.3.3
    /// style: not guessable, stable for one tuple). <paramref name="status"/> is the initial
    /// <see cref="FlowStatus"/> word. Expired flows in the way are reclaimed; a full table evicts (see the
    /// class remarks). On <see cref="ConntrackInsertResult.Inserted"/> or
    /// <see cref="ConntrackInsertResult.Existing"/>, <paramref name="match"/> describes the flow (in the
    /// original direction for a new flow; an existing one is not updated).
    /// </summary>
    public ConntrackInsertResult TryInsert(
        in FlowTuple original, in FlowTuple reply, PortSearch search, int status, int peer, FlowOrigin origin, int owner, TimeSpan now, out FlowMatch match)
    {
        if (original.IsEmpty || original.Family != reply.Family || original.Protocol != reply.Protocol)
        {
            NatThrowHelper.ThrowArgument("The tuples must be of one family and protocol.", nameof(reply));
        }
        match = default;
        lock (_writeLock)
        {
            int existing = FindLive(original, now);
            if (existing != NoNode)
            {
                match = MatchOf(existing, Volatile.Read(ref _slots[existing >> 1].Status));
                return ConntrackInsertResult.Existing;
            }
            ref int owned = ref CollectionsMarshal.GetValueRefOrNullRef(_ownerFlows, owner);
            // A share of the whole table is no share: a full table is refused as such below.
            if (!Unsafe.IsNullRef(ref owned) && owned >= _perOwnerLimit && _perOwnerLimit < Capacity && !Evict(now, owner))
            {
                Counters.OnRefusedOverShare();
                return ConntrackInsertResult.OverShare;
            }
            FlowTuple chosen = reply;
            if (FindLive(chosen, now) != NoNode)
            {
                if (search.IsNone)
                {
                    Counters.OnReplyInUse();
                    return ConntrackInsertResult.ReplyInUse;
                }
                if (!TrySearchPort(original, reply, search, now, out chosen))
                {
                    Counters.OnPortsExhausted();
                    return ConntrackInsertResult.PortsExhausted;
                }
            }
            int slot = AllocateSlot(now);
            if (slot == NoNode)
            {
                Counters.OnRefused();
                return ConntrackInsertResult.TableFull;
            }
            ref Slot s = ref _slots[slot];
            s.Original = original;
            s.Reply = chosen;
            s.LastSeen = now.Ticks;
            s.Status = status;
            s.Peer = peer;
            s.Origin = origin;
            s.Owner = owner;
            s.IsTranslated = chosen != original.Invert();
            Link(slot);
            AppendAge(slot);
            _count++;
            CollectionsMarshal.GetValueRefOrAddDefault(_ownerFlows, owner, out _)++;
            Counters.OnCreated();
            match = new FlowMatch(original, chosen, FlowDirection.Original, origin, peer, status, s.IsTranslated);
            return ConntrackInsertResult.Inserted;
        }
    }

    /// <summary>
    /// Reclaims every expired flow; returns how many. Works in chunks, releasing the write lock between
    /// them, so inserts are not held up for long. Meant for the device's periodic tick.
    /// </summary>
    public int Sweep(TimeSpan now)
    {
        int removed = 0;
        for (int start = 0; start < Capacity; start += SweepChunk)
        {
            lock (_writeLock)
            {
                int end = Math.Min(Capacity, start + SweepChunk);
                for (int slot = start; slot < end; slot++)
                {
                    if (_slots[slot].InUse && IsExpired(ref _slots[slot], now.Ticks) && TryRemove(slot, now.Ticks, onlyIfExpired: true))
                    {
                        Counters.OnExpired();
                        removed++;
                    }
                }
            }
        }
        return removed;
    }

    /// <summary>Removes every flow opened to, from or by <paramref name="peer"/> (the peer was removed, so its tag may be reused); returns how many.</summary>
    public int RemovePeer(int peer)
    {
        int removed = 0;
        lock (_writeLock)
        {
            for (int slot = 0; slot < Capacity; slot++)
            {
                if (_slots[slot].InUse && (_slots[slot].Peer == peer || _slots[slot].Owner == peer) && TryRemove(slot, 0, onlyIfExpired: false))
                {
                    removed++;
                }
            }
        }
        return removed;
    }

    /// <summary>Removes every flow.</summary>
    public void Clear()
    {
        lock (_writeLock)
        {
            for (int slot = 0; slot < Capacity; slot++)
            {
                if (_slots[slot].InUse)
                {
                    TryRemove(slot, 0, onlyIfExpired: false);
                }
            }
        }
    }

    /// <summary>The live flows, oldest first, for `wgsharp show` (allocates).</summary>
    public IReadOnlyList<FlowSnapshot> Snapshot(TimeSpan now)
    {
        var flows = new List<FlowSnapshot>();
        lock (_writeLock)
        {
            for (int slot = _ageHead; slot != NoNode; slot = _slots[slot].ListNext)
            {
                ref Slot s = ref _slots[slot];
                int status = Volatile.Read(ref s.Status);
                long left = Volatile.Read(ref s.LastSeen) + TimeoutTicks(ref s, status) - now.Ticks;
                if (left < 0)
                {
                    continue;
                }
                flows.Add(new FlowSnapshot(
                    s.Original, s.Reply, s.Origin, s.Peer,
                    s.Original.Protocol == IpProtocol.Tcp ? FlowStatus.State(status) : TcpConnectionState.None,
                    (status & FlowStatus.SeenReply) != 0, (status & FlowStatus.Assured) != 0, TimeSpan.FromTicks(left)));
            }
        }
        return flows;
    }
}
