// Fragment trains for the NAT: a datagram in pieces is tracked by its key until its pieces have all passed,
// so that later fragments (no ports, no transport checksum) take the translation its first fragment got.
// Preallocated and bounded per owner and in total; nothing is reassembled or copied, except the few
// fragments that arrive before their first, which are held until it comes.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using WgSharp.Router.Packets;

namespace WgSharp.Router.Nat;

/// <summary>
/// One lock guards everything: only fragments come here, and the common (whole packet) path never does.
/// </summary>
/// <remarks>
/// <para>A train records the byte ranges of its datagram seen so far (merged when adjacent). A fragment
/// overlapping one seen refuses the whole datagram, as RFC 5722 requires for IPv6 and Linux does for IPv4 too
/// since the FragmentSmack fixes: a later fragment cannot then rewrite a transport header the first one had
/// passed with. A fragment wholly inside bytes already seen (a duplicate: networks duplicate packets) is
/// dropped alone. A train ends when its ranges
/// cover the datagram up to its last fragment, or after <see cref="FragmentOptions.Timeout"/> from its
/// first-arriving fragment (RFC 8200 4.5 times reassembly from the first arrival too).</para>
/// <para>Shares: as in <see cref="ConnectionTracker"/>, every train has an owner (the peer it came from, or
/// <see cref="ConnectionTracker.LocalOwner"/>), and no owner holds more than its share of the trains or of the
/// held-fragment buffers: one peer sending pieces of datagrams it never completes fills its share, not the
/// table. A full table reclaims expired trains, then the oldest train still waiting for its first fragment
/// among the few oldest; else the fragment is refused and counted.</para>
/// </remarks>
internal sealed class FragmentTracker
{
    private const int None = -1;

    /// <summary>How many of the oldest trains a full table looks at for one never completed to give up.</summary>
    private const int EvictionScanLimit = 8;

    private readonly object _lock = new();
    private readonly NatCounters _counters;
    private readonly Train[] _trains;
    private readonly int[] _rangeStart;
    private readonly int[] _rangeEnd;
    private readonly Dictionary<FragmentKey, int> _index;
    private readonly byte[] _held;
    private readonly int[] _heldLength;
    private readonly int[] _heldNext;
    private readonly int _maxRanges;
    private readonly int _heldBytes;
    private readonly int _perOwnerTrains;
    private readonly int _perOwnerHeld;
    private readonly long _timeout;

    // Guarded by _lock. Trains and held buffers per owner with any (at most one entry per owner: no allocation per train).
    private readonly Dictionary<int, int> _ownerTrains = [];
    private readonly Dictionary<int, int> _ownerHeld = [];
    private int _freeTrain;
    private int _freeHeld;
    private int _ageHead = None;
    private int _ageTail = None;
    private int _count;
    private int _heldCount;

    public FragmentTracker(FragmentOptions options, NatCounters counters)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(counters);
        if (options.Capacity < 1 || options.Capacity > ConntrackOptions.MaxCapacity)
        {
            NatThrowHelper.ThrowArgumentOutOfRange(nameof(options), options.Capacity, $"Capacity must be 1..{ConntrackOptions.MaxCapacity}.");
        }
        if (options.MaxRanges < 1 || options.HeldCapacity < 0 || options.HeldBytes < Ipv6Header.Length || options.Timeout <= TimeSpan.Zero)
        {
            NatThrowHelper.ThrowArgumentOutOfRange(nameof(options), options, "MaxRanges, HeldCapacity, HeldBytes or Timeout out of range.");
        }
        _counters = counters;
        Capacity = options.Capacity;
        _maxRanges = options.MaxRanges;
        _heldBytes = options.HeldBytes;
        _perOwnerTrains = Math.Clamp(options.PerOwnerLimit ?? Math.Max(1, Capacity / 4), 1, Capacity);
        _perOwnerHeld = Math.Clamp(options.HeldPerOwner ?? Math.Max(1, options.HeldCapacity / 4), 0, Math.Max(0, options.HeldCapacity));
        _timeout = options.Timeout.Ticks;
        _trains = new Train[Capacity];
        _rangeStart = new int[Capacity * _maxRanges];
        _rangeEnd = new int[Capacity * _maxRanges];
        _index = new Dictionary<FragmentKey, int>(Capacity);
        for (int i = 0; i < Capacity; i++)
        {
            _trains[i].AgeNext = i + 1 < Capacity ? i + 1 : None;
            _trains[i].HeldHead = None;
        }
        _freeTrain = 0;
        HeldCapacity = options.HeldCapacity;
        _held = new byte[HeldCapacity * _heldBytes];
        _heldLength = new int[HeldCapacity];
        _heldNext = new int[HeldCapacity];
        for (int i = 0; i < HeldCapacity; i++)
        {
            _heldNext[i] = i + 1 < HeldCapacity ? i + 1 : None;
        }
        _freeHeld = HeldCapacity > 0 ? 0 : None;
    }

    /// <summary>How a later fragment fared.</summary>
    internal enum Verdict : byte
    {
        /// <summary>Its train knows its translation (the follow out value).</summary>
        Follow,

        /// <summary>Held until its first fragment comes.</summary>
        Held,

        /// <summary>Refused (the reason out value; not yet counted).</summary>
        Drop,

        /// <summary>No train, and the caller asked not to start one.</summary>
        NotFound,
    }

    public int Capacity { get; }

    public int HeldCapacity { get; }

    /// <summary>Trains in the table (expired ones not yet reclaimed included).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Fragments held for their first fragment, or released and not yet taken.</summary>
    public int HeldCount
    {
        get
        {
            lock (_lock)
            {
                return _heldCount;
            }
        }
    }

    /// <summary>Trains <paramref name="owner"/> holds.</summary>
    public int TrainsOf(int owner)
    {
        lock (_lock)
        {
            return _ownerTrains.GetValueOrDefault(owner);
        }
    }

    /// <summary>
    /// Records the first fragment of <paramref name="key"/>'s datagram, already translated (or dropped) as
    /// <paramref name="follow"/> says, so the other fragments follow it. Fragments held for it are released:
    /// <paramref name="release"/> names them for <see cref="TryTakeReleased"/>. False (with the reason, not yet
    /// counted) when the train cannot be recorded: the table or the owner's share is full, or the first fragment
    /// overlaps pieces seen.
    /// </summary>
    public bool RecordFirst(in FragmentKey key, int owner, in IpFragment fragment, in FragmentFollow follow, TimeSpan now, out NatDrop refusal, out FragmentRelease release)
    {
        release = default;
        lock (_lock)
        {
            ReclaimExpired(now.Ticks);
            if (!_index.TryGetValue(key, out int train) && !TryAdd(key, owner, now.Ticks, out train, out refusal))
            {
                return false;
            }
            ref Train t = ref _trains[train];
            if (t.State == TrainState.Refused)
            {
                refusal = t.Refusal;
                return false;
            }
            if (!TryAddRange(train, fragment, out refusal))
            {
                return false;
            }
            if (follow.IsDropped)
            {
                // Refused as its first fragment was: the held pieces go, later ones are dropped on arrival.
                Refuse(train, NatDrop.FragmentOfDropped);
                return true;
            }
            t.State = TrainState.Following;
            t.Follow = follow;
            if (t.HeldCount > 0)
            {
                release = new FragmentRelease(train, t.Generation, t.HeldCount);
            }
            FreeIfComplete(train);
            return true;
        }
    }

    /// <summary>
    /// A later fragment: its train's translation (<see cref="Verdict.Follow"/>), or it is held until the first
    /// comes (<paramref name="packet"/> is copied) when <paramref name="mayHold"/>, or refused. Never throws on
    /// packet contents.
    /// </summary>
    public Verdict Follow(
        in FragmentKey key, int owner, ReadOnlySpan<byte> packet, in IpFragment fragment, bool mayHold, TimeSpan now, out FragmentFollow follow, out NatDrop reason)
    {
        follow = default;
        reason = default;
        lock (_lock)
        {
            ReclaimExpired(now.Ticks);
            if (!_index.TryGetValue(key, out int train))
            {
                if (!mayHold)
                {
                    return Verdict.NotFound;
                }
                if (!TryAdd(key, owner, now.Ticks, out train, out reason))
                {
                    return Verdict.Drop;
                }
            }
            ref Train t = ref _trains[train];
            if (t.State == TrainState.Refused)
            {
                reason = t.Refusal;
                return Verdict.Drop;
            }
            if (t.State == TrainState.AwaitingFirst && !mayHold)
            {
                return Verdict.NotFound;
            }
            if (t.State == TrainState.AwaitingFirst && !CanHold(t.Owner, packet.Length, out reason))
            {
                FreeIfEmpty(train);
                return Verdict.Drop;
            }
            if (!TryAddRange(train, fragment, out reason))
            {
                return Verdict.Drop;
            }
            if (t.State == TrainState.AwaitingFirst)
            {
                Hold(train, packet);
                return Verdict.Held;
            }
            follow = t.Follow;
            FreeIfComplete(train);
            return Verdict.Follow;
        }
    }

    /// <summary>The translation the train of <paramref name="key"/> follows, without recording anything (for the rules).</summary>
    public bool TryPeek(in FragmentKey key, TimeSpan now, out FragmentFollow follow)
    {
        follow = default;
        lock (_lock)
        {
            if (!_index.TryGetValue(key, out int train) || now.Ticks - _trains[train].Created > _timeout)
            {
                return false;
            }
            ref Train t = ref _trains[train];
            if (t.State == TrainState.Following)
            {
                follow = t.Follow;
                return true;
            }
            if (t.State == TrainState.Refused)
            {
                follow = FragmentFollow.Dropped;
                return true;
            }
            return false;
        }
    }

    /// <summary>
    /// Hands one fragment <paramref name="release"/> names to the caller, as it arrived (copied into
    /// <paramref name="destination"/>), with the translation its first fragment got. False when none is left (or
    /// the train was since refused or timed out).
    /// </summary>
    public bool TryTakeReleased(in FragmentRelease release, Span<byte> destination, out int length, out FragmentFollow follow)
    {
        length = 0;
        follow = default;
        if (release.Count == 0)
        {
            return false;
        }
        lock (_lock)
        {
            ref Train t = ref _trains[release.Train];
            if (t.Generation != release.Generation || t.State != TrainState.Following || t.HeldHead == None)
            {
                return false;
            }
            int held = t.HeldHead;
            length = _heldLength[held];
            if (destination.Length < length)
            {
                NatThrowHelper.ThrowArgument("The destination is smaller than a held fragment.", nameof(destination));
            }
            _held.AsSpan(held * _heldBytes, length).CopyTo(destination);
            t.HeldHead = _heldNext[held];
            t.HeldCount--;
            FreeHeld(held, t.Owner);
            follow = t.Follow;
            FreeIfComplete(release.Train);
            return true;
        }
    }

    /// <summary>Removes every train (and held fragment) of <paramref name="owner"/>: the peer was removed.</summary>
    public void RemoveOwner(int owner)
    {
        lock (_lock)
        {
            for (int train = 0; train < Capacity; train++)
            {
                if (_trains[train].State != TrainState.Free && _trains[train].Owner == owner)
                {
                    Free(train);
                }
            }
        }
    }

    private bool TryAdd(in FragmentKey key, int owner, long now, out int train, out NatDrop refusal)
    {
        train = None;
        refusal = default;
        ref int owned = ref CollectionsMarshal.GetValueRefOrNullRef(_ownerTrains, owner);
        // A share of the whole table is no share: a full table is refused as such below.
        if (!Unsafe.IsNullRef(ref owned) && owned >= _perOwnerTrains && _perOwnerTrains < Capacity && !EvictAwaiting(owner))
        {
            refusal = NatDrop.FragmentShareExceeded;
            return false;
        }
        if (_freeTrain == None && !EvictAwaiting(owner: null))
        {
            refusal = NatDrop.FragmentTableFull;
            return false;
        }
        train = _freeTrain;
        ref Train t = ref _trains[train];
        _freeTrain = t.AgeNext;
        int generation = t.Generation;
        t = default;
        t.Generation = generation + 1;
        t.Key = key;
        t.Owner = owner;
        t.Created = now;
        t.State = TrainState.AwaitingFirst;
        t.Total = None;
        t.HeldHead = None;
        _index.Add(key, train);
        AppendAge(train);
        CollectionsMarshal.GetValueRefOrAddDefault(_ownerTrains, owner, out _)++;
        _count++;
        return true;
    }

    /// <summary>
    /// Gives up the oldest train still waiting for its first fragment (of <paramref name="owner"/>, or of anyone)
    /// among the <see cref="EvictionScanLimit"/> oldest: a datagram whose first piece has not come is the likelier
    /// never to complete, and trains already following their first are not cut short.
    /// </summary>
    private bool EvictAwaiting(int? owner)
    {
        int train = _ageHead;
        for (int scanned = 0; scanned < EvictionScanLimit && train != None; scanned++)
        {
            ref Train t = ref _trains[train];
            if (t.State == TrainState.AwaitingFirst && (owner is null || t.Owner == owner))
            {
                _counters.Drop(NatDrop.FragmentExpired, t.HeldCount);
                Free(train);
                return true;
            }
            train = t.AgeNext;
        }
        return false;
    }

    private bool CanHold(int owner, int length, out NatDrop reason)
    {
        reason = default;
        if (length > _heldBytes || _freeHeld == None)
        {
            reason = NatDrop.FragmentHoldFull;
            return false;
        }
        if (_ownerHeld.GetValueOrDefault(owner) >= _perOwnerHeld)
        {
            reason = NatDrop.FragmentShareExceeded;
            return false;
        }
        return true;
    }

    private void Hold(int train, ReadOnlySpan<byte> packet)
    {
        ref Train t = ref _trains[train];
        int held = _freeHeld;
        _freeHeld = _heldNext[held];
        packet.CopyTo(_held.AsSpan(held * _heldBytes, _heldBytes));
        _heldLength[held] = packet.Length;
        _heldNext[held] = t.HeldHead;
        t.HeldHead = held;
        t.HeldCount++;
        _heldCount++;
        CollectionsMarshal.GetValueRefOrAddDefault(_ownerHeld, t.Owner, out _)++;
    }

    private void FreeHeld(int held, int owner)
    {
        _heldNext[held] = _freeHeld;
        _freeHeld = held;
        _heldCount--;
        ref int owned = ref CollectionsMarshal.GetValueRefOrNullRef(_ownerHeld, owner);
        if (--owned == 0)
        {
            _ownerHeld.Remove(owner);
        }
    }

    /// <summary>
    /// Adds the fragment's bytes to the train's ranges: false (refusing the datagram) on an overlap with a piece
    /// seen, on data past the last fragment's end, or when the pieces are too scattered to record; a fragment
    /// wholly inside bytes seen (a duplicate) is refused alone.
    /// </summary>
    private bool TryAddRange(int train, in IpFragment fragment, out NatDrop reason)
    {
        reason = default;
        ref Train t = ref _trains[train];
        int start = fragment.Offset;
        int end = fragment.End;
        Span<int> starts = _rangeStart.AsSpan(train * _maxRanges, _maxRanges);
        Span<int> ends = _rangeEnd.AsSpan(train * _maxRanges, _maxRanges);
        bool last = !fragment.MoreFragments;
        if ((t.Total != None && (end > t.Total || (last && end != t.Total))) || (last && t.RangeCount > 0 && ends[t.RangeCount - 1] > end))
        {
            Refuse(train, NatDrop.FragmentOverlap);
            reason = NatDrop.FragmentOverlap;
            return false;
        }
        // Ranges are kept sorted and disjoint; find where this one goes.
        int i = 0;
        while (i < t.RangeCount && ends[i] <= start)
        {
            i++;
        }
        if (i < t.RangeCount && starts[i] < end)
        {
            reason = NatDrop.FragmentOverlap;
            // Inside bytes already seen: a duplicate (RFC 8200 4.5 lets it go alone). It is never sent on, so it
            // cannot change what the receiver reassembles.
            if (starts[i] <= start && end <= ends[i])
            {
                return false;
            }
            Refuse(train, NatDrop.FragmentOverlap);
            return false;
        }
        bool joinsLeft = i > 0 && ends[i - 1] == start;
        bool joinsRight = i < t.RangeCount && starts[i] == end;
        if (joinsLeft && joinsRight)
        {
            ends[i - 1] = ends[i];
            starts[(i + 1)..t.RangeCount].CopyTo(starts[i..]);
            ends[(i + 1)..t.RangeCount].CopyTo(ends[i..]);
            t.RangeCount--;
        }
        else if (joinsLeft)
        {
            ends[i - 1] = end;
        }
        else if (joinsRight)
        {
            starts[i] = start;
        }
        else
        {
            if (t.RangeCount == _maxRanges)
            {
                Refuse(train, NatDrop.FragmentScattered);
                reason = NatDrop.FragmentScattered;
                return false;
            }
            starts[i..t.RangeCount].CopyTo(starts[(i + 1)..]);
            ends[i..t.RangeCount].CopyTo(ends[(i + 1)..]);
            starts[i] = start;
            ends[i] = end;
            t.RangeCount++;
        }
        if (last)
        {
            t.Total = end;
        }
        return true;
    }

    private void Refuse(int train, NatDrop reason)
    {
        ref Train t = ref _trains[train];
        if (t.HeldCount > 0)
        {
            _counters.Drop(reason, t.HeldCount);
            ReleaseHeld(train);
        }
        t.State = TrainState.Refused;
        t.Refusal = reason;
    }

    private void FreeIfComplete(int train)
    {
        ref Train t = ref _trains[train];
        if (t.State == TrainState.Following && t.HeldCount == 0 && t.Total != None && t.RangeCount == 1
            && _rangeStart[train * _maxRanges] == 0 && _rangeEnd[train * _maxRanges] == t.Total)
        {
            Free(train);
        }
    }

    private void FreeIfEmpty(int train)
    {
        if (_trains[train].RangeCount == 0)
        {
            Free(train);
        }
    }

    private void ReclaimExpired(long now)
    {
        while (_ageHead != None && now - _trains[_ageHead].Created > _timeout)
        {
            ref Train t = ref _trains[_ageHead];
            if (t.State == TrainState.AwaitingFirst)
            {
                _counters.Drop(NatDrop.FragmentExpired, t.HeldCount);
            }
            Free(_ageHead);
        }
    }

    private void ReleaseHeld(int train)
    {
        ref Train t = ref _trains[train];
        for (int held = t.HeldHead; held != None;)
        {
            int next = _heldNext[held];
            FreeHeld(held, t.Owner);
            held = next;
        }
        t.HeldHead = None;
        t.HeldCount = 0;
    }

    private void Free(int train)
    {
        ReleaseHeld(train);
        ref Train t = ref _trains[train];
        _index.Remove(t.Key);
        UnlinkAge(train);
        ref int owned = ref CollectionsMarshal.GetValueRefOrNullRef(_ownerTrains, t.Owner);
        if (--owned == 0)
        {
            _ownerTrains.Remove(t.Owner);
        }
        int generation = t.Generation;
        t = default;
        t.Generation = generation + 1;
        t.HeldHead = None;
        t.AgeNext = _freeTrain;
        _freeTrain = train;
        _count--;
    }

    private void AppendAge(int train)
    {
        ref Train t = ref _trains[train];
        t.AgePrev = _ageTail;
        t.AgeNext = None;
        if (_ageTail == None)
        {
            _ageHead = train;
        }
        else
        {
            _trains[_ageTail].AgeNext = train;
        }
        _ageTail = train;
    }

    private void UnlinkAge(int train)
    {
        ref Train t = ref _trains[train];
        if (t.AgePrev == None)
        {
            _ageHead = t.AgeNext;
        }
        else
        {
            _trains[t.AgePrev].AgeNext = t.AgeNext;
        }
        if (t.AgeNext == None)
        {
            _ageTail = t.AgePrev;
        }
        else
        {
            _trains[t.AgeNext].AgePrev = t.AgePrev;
        }
        t.AgePrev = None;
        t.AgeNext = None;
    }

    private enum TrainState : byte
    {
        Free,
        AwaitingFirst,
        Following,
        Refused,
    }

    /// <summary>One datagram in pieces. Guarded by _lock.</summary>
    [StructLayout(LayoutKind.Auto)]
    private struct Train
    {
        public FragmentKey Key;
        public FragmentFollow Follow;
        public long Created;
        public int Owner;
        public int Generation;
        public int Total;
        public int RangeCount;
        public int HeldHead;
        public int HeldCount;
        public int AgePrev;
        public int AgeNext;
        public TrainState State;
        public NatDrop Refusal;
    }
}
