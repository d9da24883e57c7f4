// Port and identifier ranges the masquerade allocates from when a flow's own port is taken.
namespace WgSharp.Router.Nat;

internal sealed record NatOptions
{
    /// <summary>First TCP/UDP source port a masqueraded flow may be moved to (ports below 1024 are kept only when free).</summary>
    public ushort PortFirst { get; init; } = 1024;

    public ushort PortLast { get; init; } = 65535;

    /// <summary>ICMP echo identifiers have no privileged range (Linux uses all of them).</summary>
    public ushort IcmpIdFirst { get; init; }

    public ushort IcmpIdLast { get; init; } = 65535;

    /// <summary>Candidates tried (after the flow's own port) before the flow is refused: bounds the work a crowded range costs under the table's write lock.</summary>
    public int MaxPortAttempts { get; init; } = 1024;

    /// <summary>Fragment trains: how many datagrams in pieces at once, per owner, and for how long.</summary>
    public FragmentOptions Fragments { get; init; } = new();
}
