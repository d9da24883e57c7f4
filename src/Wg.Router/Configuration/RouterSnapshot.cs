// What the policy router reports for `wgsharp show`: rules with hit counters, tracked flows with their
// NAT, and drop counters by reason.
using System.Net;
using WgSharp.Noise.Keys;

namespace WgSharp.Router.Configuration;

public sealed class RouterSnapshot
{
    public IReadOnlyList<RouterRuleStatus> Rules { get; init; } = [];

    /// <summary>Tracked flows (at most the number asked for), oldest first.</summary>
    public IReadOnlyList<RouterFlow> Flows { get; init; } = [];

    /// <summary>Flows in the table now, and its capacity.</summary>
    public int FlowCount { get; init; }

    public int FlowCapacity { get; init; }

    /// <summary>Named counters: conntrack (inserted, evicted, refused_full, ...), NAT and device drops by
    /// reason, in a stable order; names are lower_snake_case and never change meaning.</summary>
    public IReadOnlyList<KeyValuePair<string, ulong>> Counters { get; init; } = [];

    /// <summary>Peers with `Routes = when-up` and whether each has a live session now.</summary>
    public IReadOnlyList<KeyValuePair<PublicKey, bool>> WhenUpPeers { get; init; } = [];
}

/// <param name="Line">The rule's config line (0: unknown).</param>
/// <param name="Description">The rule in the config's words, peers by name where they have one.</param>
public sealed record RouterRuleStatus(int Line, string Description, ulong Packets, ulong Bytes);

/// <param name="Protocol">IP protocol number.</param>
/// <param name="OriginalSource">The flow's source as its first packet had it (likewise OriginalDestination).</param>
/// <param name="ReplySource">Where replies come from (with ReplyDestination: differs from the inverted original when NATed).</param>
/// <param name="State">"established", "syn_sent", "time_wait", "udp", "icmp", ...</param>
/// <param name="Peer">The peer the flow went to or came from; null: none.</param>
public sealed record RouterFlow(byte Protocol, IPEndPoint OriginalSource, IPEndPoint OriginalDestination,
    IPEndPoint ReplySource, IPEndPoint ReplyDestination, string State, PublicKey? Peer, bool Assured, TimeSpan ExpiresIn);
