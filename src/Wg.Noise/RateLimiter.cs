// Per-source token buckets that bound how many handshake initiations each source may cost us while under load
// (whitepaper §5.3), with the Linux driver's constants, keying and table bound.

// Time convention: every `now` is a monotonic TimeSpan elapsed since an arbitrary origin fixed by the caller
// (e.g. TimeProvider.GetElapsedTime(start)); only differences between values matter. Nothing here reads a clock.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace WgSharp.Noise;

/// <summary>
/// Token bucket per source, 20 packets per second with a burst of 5 (the constants of wireguard-go and the Linux
/// driver). A source's bucket holds at most 5 packets' worth of time and refills at one packet per 50 ms; a new
/// source starts full and is charged for its first packet. Idle buckets are dropped by <see cref="Sweep"/>, which
/// the caller runs about once a second (the device timer tick).
/// <para>
/// The table holds at most <see cref="MaxEntries"/> sources. When it is full a packet from a new source is refused
/// until <see cref="Sweep"/> frees room, as the Linux driver does when its table is full: under a flood of spoofed
/// sources memory stays bounded and already known sources keep their buckets. Dictionary hashing goes through
/// <see cref="HashCode"/>, which the runtime seeds randomly per process, so an attacker cannot precompute
/// colliding sources.
/// </para>
/// <para>Thread-safe: one lock guards the table; each call does one lookup under it and allocates nothing
/// (except when the table grows).</para>
/// </summary>
internal sealed class RateLimiter
{
    public const int PacketsPerSecond = 20;
    public const int PacketsBurstable = 5;

    /// <summary>Sources allowed at once unless the constructor says otherwise.</summary>
    public const int DefaultMaxEntries = 65_536;

    /// <summary>A bucket idle for longer than this is removed by <see cref="Sweep"/>.</summary>
    public static readonly TimeSpan GarbageCollectTime = TimeSpan.FromSeconds(1);

    // Tokens are measured in TimeSpan ticks: one packet costs 1/20 s of refill time.
    private const long PacketCost = TimeSpan.TicksPerSecond / PacketsPerSecond;
    private const long MaxTokens = PacketCost * PacketsBurstable;

    private readonly Lock _lock = new();

    // Guarded by _lock.
    private readonly Dictionary<RateLimiterKey, Bucket> _table = new();

    public RateLimiter(int maxEntries = DefaultMaxEntries)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntries);
        MaxEntries = maxEntries;
    }

    /// <summary>Most sources tracked at once.</summary>
    public int MaxEntries { get; }

    /// <summary>Sources currently tracked.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _table.Count;
            }
        }
    }

    /// <summary>
    /// Charges one packet to <paramref name="source"/>'s bucket at time <paramref name="now"/>: true if it had a
    /// packet's worth of tokens, false if the source is over its rate or is new while the table is full.
    /// A <paramref name="now"/> earlier than the bucket's last update (callers on several threads reading the
    /// clock just before taking turns) counts as no time elapsed.
    /// </summary>
    public bool Allow(RateLimiterKey source, TimeSpan now)
    {
        lock (_lock)
        {
            ref var bucket = ref CollectionsMarshal.GetValueRefOrNullRef(_table, source);
            if (Unsafe.IsNullRef(ref bucket))
            {
                if (_table.Count >= MaxEntries)
                {
                    return false;
                }

                _table.Add(source, new Bucket { LastTime = now, Tokens = MaxTokens - PacketCost });
                return true;
            }

            var tokens = bucket.Tokens;
            if (now > bucket.LastTime)
            {
                var elapsed = Elapsed(bucket.LastTime, now);
                tokens = elapsed >= (ulong)(MaxTokens - tokens) ? MaxTokens : tokens + (long)elapsed;
                bucket.LastTime = now;
            }

            var allowed = tokens >= PacketCost;
            bucket.Tokens = allowed ? tokens - PacketCost : tokens;
            return allowed;
        }
    }

    /// <summary>
    /// Removes the buckets not charged for more than <see cref="GarbageCollectTime"/> before <paramref name="now"/>;
    /// returns how many. A source coming back afterwards starts with a full bucket, which is what an idle second
    /// would have refilled anyway (5 packets take 250 ms to refill).
    /// </summary>
    public int Sweep(TimeSpan now)
    {
        var removed = 0;
        lock (_lock)
        {
            foreach (var (key, bucket) in _table)
            {
                if (now > bucket.LastTime && Elapsed(bucket.LastTime, now) > (ulong)GarbageCollectTime.Ticks)
                {
                    // Removing the current entry during enumeration is allowed by Dictionary since .NET Core 3.0.
                    _table.Remove(key);
                    removed++;
                }
            }
        }

        return removed;
    }

    /// <summary>Forgets every source.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _table.Clear();
        }
    }

    // Distance between two instants with later > earlier, computed without overflow for any TimeSpan values.
    private static ulong Elapsed(TimeSpan earlier, TimeSpan later) => unchecked((ulong)(later.Ticks - earlier.Ticks));

    private struct Bucket
    {
        public TimeSpan LastTime;
        public long Tokens;
    }
}
