// Thread-safe event counters of a ConnectionTracker (per flow, never per packet), for `wgsharp show`.
namespace WgSharp.Router.Nat;

internal sealed class ConntrackCounters
{
    private long _created;
    private long _expired;
    private long _evicted;
    private long _refused;
    private long _portsExhausted;
    private long _replyInUse;
    private long _refusedOverShare;

    /// <summary>Flows inserted.</summary>
    public long Created => Volatile.Read(ref _created);

    /// <summary>Flows removed because their timeout ran out (by a sweep, or when their tuple was reused).</summary>
    public long Expired => Volatile.Read(ref _expired);

    /// <summary>Live flows removed to make room for a new one while the table was full.</summary>
    public long Evicted => Volatile.Read(ref _evicted);

    /// <summary>New flows refused: the table was full and nothing could be evicted.</summary>
    public long Refused => Volatile.Read(ref _refused);

    /// <summary>New NAT flows refused: no free port or identifier in the range.</summary>
    public long PortsExhausted => Volatile.Read(ref _portsExhausted);

    /// <summary>New flows refused: their reply tuple belongs to another flow and could not be varied.</summary>
    public long ReplyInUse => Volatile.Read(ref _replyInUse);

    /// <summary>New flows refused: their owner (a peer, or the local side) already held its share of the table.</summary>
    public long RefusedOverShare => Volatile.Read(ref _refusedOverShare);

    internal void OnCreated() => Interlocked.Increment(ref _created);

    internal void OnExpired() => Interlocked.Increment(ref _expired);

    internal void OnEvicted() => Interlocked.Increment(ref _evicted);

    internal void OnRefused() => Interlocked.Increment(ref _refused);

    internal void OnPortsExhausted() => Interlocked.Increment(ref _portsExhausted);

    internal void OnReplyInUse() => Interlocked.Increment(ref _replyInUse);

    internal void OnRefusedOverShare() => Interlocked.Increment(ref _refusedOverShare);
}
