// ConnectionTracker's table: lookups under a stripe lock, the status word's updates, timeouts, and the
// structural changes made under the write lock (insert links, removal, eviction, the age and free lists).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using WgSharp.Router.Packets;

namespace WgSharp.Router.Nat;

internal sealed partial class ConnectionTracker
{
    private bool Lookup(in FlowTuple tuple, TcpFlags tcpFlags, TimeSpan now, bool update, int replyFromPeer, bool skipOutgoingOriginal, out FlowMatch match)
    {
        int bucket = Bucket(tuple);
        lock (_stripes[bucket & _stripeMask])
        {
            for (int node = _buckets[bucket]; node != NoNode; node = _chainNext[node])
            {
                ref Slot s = ref _slots[node >> 1];
                if (!TupleOf(ref s, node).Equals(tuple))
                {
                    continue;
                }
                int status = Volatile.Read(ref s.Status);
                if (IsExpired(ref s, status, now.Ticks))
                {
                    // An expired flow no longer matches; the tuple is free for a new one.
                    continue;
                }
                var direction = (FlowDirection)(node & 1);
                bool outgoingOriginal = direction == FlowDirection.Original && s.Origin != FlowOrigin.Remote;
                if (update && !(skipOutgoingOriginal && outgoingOriginal) && (replyFromPeer == AnyPeer
                    || (direction == FlowDirection.Reply && s.Origin != FlowOrigin.Remote && s.Peer == replyFromPeer)))
                {
                    status = Record(ref s, direction, tcpFlags, now.Ticks);
                }
                match = new FlowMatch(s.Original, s.Reply, direction, s.Origin, s.Peer, status, s.IsTranslated);
                return true;
            }
        }
        match = default;
        return false;
    }

    /// <summary>Advances the status word (compare-and-swap: the other direction may be updating it on another stripe) and the last-seen time.</summary>
    private static int Record(ref Slot s, FlowDirection direction, TcpFlags tcpFlags, long now)
    {
        byte protocol = s.Original.Protocol;
        int status;
        int next;
        do
        {
            status = Volatile.Read(ref s.Status);
            next = protocol == IpProtocol.Tcp
                ? FlowStatus.NextTcp(status, direction, tcpFlags)
                : FlowStatus.Next(status, direction, protocol is IpProtocol.Icmp or IpProtocol.IcmpV6);
        }
        while (next != status && Interlocked.CompareExchange(ref s.Status, next, status) != status);
        // Workers' clocks may be read microseconds apart; keep the latest.
        if (now > Volatile.Read(ref s.LastSeen))
        {
            Volatile.Write(ref s.LastSeen, now);
        }
        return next;
    }

    private bool IsExpired(ref Slot s, long now) => IsExpired(ref s, Volatile.Read(ref s.Status), now);

    private bool IsExpired(ref Slot s, int status, long now) => now - Volatile.Read(ref s.LastSeen) > TimeoutTicks(ref s, status);

    private long TimeoutTicks(ref Slot s, int status)
    {
        switch (s.Original.Protocol)
        {
            case IpProtocol.Tcp:
                TcpConnectionState state = FlowStatus.State(status);
                // A picked-up mid-stream flow gets the long timeout only once the other side answers.
                return state == TcpConnectionState.Established && (status & FlowStatus.SeenReply) == 0
                    ? _tcpTransitoryTimeout
                    : _tcpTimeouts[(int)state];
            case IpProtocol.Udp:
                return (status & FlowStatus.SeenReply) != 0 ? _udpRepliedTimeout : _udpTimeout;
            case IpProtocol.Icmp:
            case IpProtocol.IcmpV6:
                return _icmpTimeout;
            default:
                return _genericTimeout;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Bucket(in FlowTuple tuple) => (int)(tuple.Hash(_seed0, _seed1) & (ulong)_bucketMask);

    private static ref FlowTuple TupleOf(ref Slot s, int node) => ref (node & 1) == 0 ? ref s.Original : ref s.Reply;

    private FlowMatch MatchOf(int node, int status)
    {
        ref Slot s = ref _slots[node >> 1];
        return new FlowMatch(s.Original, s.Reply, (FlowDirection)(node & 1), s.Origin, s.Peer, status, s.IsTranslated);
    }

    /// <summary>The node of a live flow with <paramref name="tuple"/>, reclaiming an expired one found instead. Caller holds _writeLock.</summary>
    private int FindLive(in FlowTuple tuple, TimeSpan now)
    {
        // Structure only changes under _writeLock, which the caller holds, so the chain walk needs no stripe lock.
        int bucket = Bucket(tuple);
        for (int node = _buckets[bucket]; node != NoNode; node = _chainNext[node])
        {
            ref Slot s = ref _slots[node >> 1];
            if (!TupleOf(ref s, node).Equals(tuple))
            {
                continue;
            }
            if (!IsExpired(ref s, now.Ticks))
            {
                return node;
            }
            if (TryRemove(node >> 1, now.Ticks, onlyIfExpired: true))
            {
                Counters.OnExpired();
                return FindLive(tuple, now);
            }
            return node;
        }
        return NoNode;
    }

    private bool TrySearchPort(in FlowTuple original, in FlowTuple reply, PortSearch search, TimeSpan now, out FlowTuple chosen)
    {
        int size = search.Size;
        int attempts = Math.Min(size, search.MaxAttempts);
        int start = (int)(original.Hash(_seed1, _seed0) % (ulong)size);
        for (int i = 0; i < attempts; i++)
        {
            ushort port = (ushort)(search.First + ((start + i) % size));
            FlowTuple candidate = reply.WithDestinationPort(port);
            if (FindLive(candidate, now) == NoNode)
            {
                chosen = candidate;
                return true;
            }
        }
        chosen = default;
        return false;
    }

    /// <summary>A free slot, else one reclaimed from an expired or evictable flow; NoNode when the table is full of assured live flows. Caller holds _writeLock.</summary>
    private int AllocateSlot(TimeSpan now)
    {
        if (_freeHead == NoNode)
        {
            Evict(now, AnyOwner);
            if (_freeHead == NoNode)
            {
                return NoNode;
            }
        }
        int slot = _freeHead;
        _freeHead = _slots[slot].ListNext;
        return slot;
    }

    /// <summary>
    /// Frees one flow of <paramref name="owner"/> (or of anyone: <see cref="AnyOwner"/>) found among the
    /// <see cref="ConntrackOptions.EvictionScanLimit"/> oldest: an expired one, else the oldest unassured one. Other
    /// owners' expired flows met on the way are reclaimed too. Caller holds _writeLock.
    /// </summary>
    private bool Evict(TimeSpan now, int owner)
    {
        int candidate = NoNode;
        int slot = _ageHead;
        for (int scanned = 0; scanned < _evictionScanLimit && slot != NoNode; scanned++)
        {
            ref Slot s = ref _slots[slot];
            int next = s.ListNext;
            bool own = owner == AnyOwner || s.Owner == owner;
            if (IsExpired(ref s, now.Ticks))
            {
                if (TryRemove(slot, now.Ticks, onlyIfExpired: true))
                {
                    Counters.OnExpired();
                    if (own)
                    {
                        return true;
                    }
                }
            }
            else if ((Volatile.Read(ref s.Status) & FlowStatus.Assured) == 0)
            {
                if (candidate == NoNode && own)
                {
                    candidate = slot;
                }
            }
            else if (slot != _ageTail)
            {
                // Assured and alive: a second chance at the young end.
                UnlinkAge(slot);
                AppendAge(slot);
            }
            slot = next;
        }
        if (candidate != NoNode && TryRemove(candidate, now.Ticks, onlyIfExpired: false, onlyIfUnassured: true))
        {
            Counters.OnEvicted();
            return true;
        }
        return false;
    }

    /// <summary>
    /// Unlinks a flow from both chains (under its two stripe locks, re-checking the condition there: a
    /// worker may have just refreshed it) and from the age list, and frees the slot. Caller holds _writeLock.
    /// </summary>
    private bool TryRemove(int slot, long now, bool onlyIfExpired, bool onlyIfUnassured = false)
    {
        ref Slot s = ref _slots[slot];
        int bucketOriginal = Bucket(s.Original);
        int bucketReply = Bucket(s.Reply);
        int stripeA = bucketOriginal & _stripeMask;
        int stripeB = bucketReply & _stripeMask;
        if (stripeA > stripeB)
        {
            (stripeA, stripeB) = (stripeB, stripeA);
        }
        lock (_stripes[stripeA])
        {
            bool second = stripeB != stripeA;
            if (second)
            {
                Monitor.Enter(_stripes[stripeB]);
            }
            try
            {
                if ((onlyIfExpired && !IsExpired(ref s, now))
                    || (onlyIfUnassured && (Volatile.Read(ref s.Status) & FlowStatus.Assured) != 0))
                {
                    return false;
                }
                Unchain(bucketOriginal, 2 * slot);
                Unchain(bucketReply, (2 * slot) + 1);
                s.InUse = false;
            }
            finally
            {
                if (second)
                {
                    Monitor.Exit(_stripes[stripeB]);
                }
            }
        }
        UnlinkAge(slot);
        ref int owned = ref CollectionsMarshal.GetValueRefOrNullRef(_ownerFlows, s.Owner);
        if (--owned == 0)
        {
            _ownerFlows.Remove(s.Owner);
        }
        s = default;
        s.ListNext = _freeHead;
        _freeHead = slot;
        _count--;
        return true;
    }

    private void Unchain(int bucket, int node)
    {
        ref int link = ref _buckets[bucket];
        while (link != NoNode)
        {
            if (link == node)
            {
                link = _chainNext[node];
                _chainNext[node] = NoNode;
                return;
            }
            link = ref _chainNext[link];
        }
    }

    /// <summary>Makes a filled slot findable: both nodes at the heads of their chains, under their stripe locks.</summary>
    private void Link(int slot)
    {
        ref Slot s = ref _slots[slot];
        s.InUse = true;
        LinkNode(Bucket(s.Original), 2 * slot);
        LinkNode(Bucket(s.Reply), (2 * slot) + 1);
    }

    private void LinkNode(int bucket, int node)
    {
        lock (_stripes[bucket & _stripeMask])
        {
            _chainNext[node] = _buckets[bucket];
            _buckets[bucket] = node;
        }
    }

    private void AppendAge(int slot) => IndexList.Append(_slots, ref _ageHead, ref _ageTail, slot);

    private void UnlinkAge(int slot) => IndexList.Unlink(_slots, ref _ageHead, ref _ageTail, slot);

    /// <summary>One flow. Tuples, peer, owner and origin are written only while the slot is unlinked (under
    /// _writeLock); Status and LastSeen by any worker holding a stripe lock of one of its buckets.</summary>
    [StructLayout(LayoutKind.Auto)]
    private struct Slot : IIndexListNode<Slot>
    {
        public FlowTuple Original;
        public FlowTuple Reply;
        public long LastSeen;
        public int Status;
        public int Peer;
        public int Owner;
        public int ListPrev;
        public int ListNext;
        public FlowOrigin Origin;
        public bool InUse;
        public bool IsTranslated;

        public static ref int Previous(ref Slot node) => ref node.ListPrev;

        public static ref int Next(ref Slot node) => ref node.ListNext;
    }
}
