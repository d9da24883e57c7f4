// What `up` installs so the kernel sends traffic that [Rule] sections route into the tunnel there: one
// routing table whose default route is the interface, and per address family a block of policy rules.
// [Rule]s sending to a `Routes = when-up` peer look up a table of that peer's own instead, which `up` leaves
// empty: the daemon routes it into the interface only while the peer is live.
namespace WgSharp.Cli.Host;

internal sealed record SteeringPlan
{
    /// <summary>The table the steering rules look up; its default route (per family) is `dev &lt;if&gt;`.</summary>
    public required uint Table { get; init; }

    /// <summary>Why this table, for the user ("Table = 1234", "first free table from 51820").</summary>
    public required string TableOrigin { get; init; }

    /// <summary>The device's fwmark that the block's guard rule lets pass untouched (the tunnel's own encrypted
    /// packets carry it, so they never loop into the tunnel); null when the device has none.</summary>
    public uint? FirewallMark { get; init; }

    /// <summary>The table of each `Routes = when-up` peer that a steered [Rule] sends to, in the order the rules
    /// first name them; empty when there is none.</summary>
    public IReadOnlyList<WhenUpPeerTable> WhenUpTables { get; init; } = [];

    /// <summary>IPv4 first; only families that have something to steer.</summary>
    public IReadOnlyList<SteeringFamilyPlan> Families { get; init; } = [];

    /// <summary>[Rule]s whose selectors the kernel cannot express (or not on this kernel), one line each.</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
}
