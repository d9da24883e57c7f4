// FragmentTracker's trains: adding and freeing them (shares, eviction, the age and free lists), their
// byte ranges and the overlap check, and the buffers of fragments held for their first.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using WgSharp.Router.Packets;

namespace WgSharp.Router.Nat;

internal sealed partial class FragmentTracker
{
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

    private void AppendAge(int train) => IndexList.Append(_trains, ref _ageHead, ref _ageTail, train);

    private void UnlinkAge(int train) => IndexList.Unlink(_trains, ref _ageHead, ref _ageTail, train);

    private enum TrainState : byte
    {
        Free,
        AwaitingFirst,
        Following,
        Refused,
    }

    /// <summary>One datagram in pieces. Guarded by _lock.</summary>
    [StructLayout(LayoutKind.Auto)]
    private struct Train : IIndexListNode<Train>
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

        public static ref int Previous(ref Train node) => ref node.AgePrev;

        public static ref int Next(ref Train node) => ref node.AgeNext;
    }
}
