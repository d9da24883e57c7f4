// Sizing and tuning of a ConnectionTracker: table bound, per-owner share, lock stripes, eviction scan, timeouts, hash seed.
namespace WgSharp.Router.Nat;

internal sealed record ConntrackOptions
{
    /// <summary>Most flows held at once (Linux nf_conntrack_max is comparable). Memory is allocated up front: about 130 bytes a flow.</summary>
    public int Capacity { get; init; } = 65_536;

    /// <summary>Locks the hash buckets are spread over (rounded up to a power of two).</summary>
    public int LockStripes { get; init; } = 64;

    /// <summary>How many of the oldest flows a full table looks at for one to evict before refusing the new flow.</summary>
    public int EvictionScanLimit { get; init; } = 64;

    public ConntrackTimeouts Timeouts { get; init; } = ConntrackTimeouts.Default;

    /// <summary>Most flows one owner (a peer, or the local side) may hold (see ConnectionTracker's remarks); null: no share, the whole table.</summary>
    public int? PerOwnerLimit { get; init; }

    /// <summary>Seed of the keyed bucket hash; null picks a random one (tests fix it to make collisions reproducible).</summary>
    public ulong? HashSeed { get; init; }

    /// <summary>Largest accepted <see cref="Capacity"/>: node indices must fit an int with room to spare.</summary>
    public const int MaxCapacity = 1 << 24;
}
