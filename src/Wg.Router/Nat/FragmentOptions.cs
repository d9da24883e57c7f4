// Sizing of the NAT's fragment trains: how many datagrams in pieces at once, per owner, how many early
// fragments held, for how long.
namespace WgSharp.Router.Nat;

internal sealed record FragmentOptions
{
    /// <summary>
    /// How long a train lives from its first-arriving fragment: Linux's ipfrag_time (30 s), the order RFC 791 3.2
    /// gives reassembly. A datagram's fragments leave their sender back to back; one still missing after that was lost.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Datagrams in pieces tracked at once (about 200 bytes each, allocated up front).</summary>
    public int Capacity { get; init; } = 1024;

    /// <summary>Most trains one owner (a peer, or the local side) may hold; null: a quarter of <see cref="Capacity"/>.</summary>
    public int? PerOwnerLimit { get; init; }

    /// <summary>Disjoint pieces a train records for the overlap check (in-order fragments merge into one).</summary>
    public int MaxRanges { get; init; } = 8;

    /// <summary>Buffers for fragments that arrive before their first fragment (which says how to translate them).</summary>
    public int HeldCapacity { get; init; } = 64;

    /// <summary>Most held fragments one owner may have; null: a quarter of <see cref="HeldCapacity"/>.</summary>
    public int? HeldPerOwner { get; init; }

    /// <summary>Largest fragment that can be held (a larger early fragment is dropped, counted): above the usual 1,500-byte MTU.</summary>
    public int HeldBytes { get; init; } = 2048;

    public TimeSpan Timeout { get; init; } = DefaultTimeout;
}
