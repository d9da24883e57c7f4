// Fragment trains for the NAT: a datagram in pieces is tracked by its key until its pieces have all passed,
// so that later fragments (no ports, no transport checksum) take the translation its first fragment got.
// Preallocated and bounded per owner and in total; nothing is reassembled or copied, except the few
// fragments that arrive before their first, which are held until it comes.
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
internal sealed partial class FragmentTracker
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
}
