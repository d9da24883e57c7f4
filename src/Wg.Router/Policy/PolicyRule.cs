// One policy rule as the router sees it: selectors (source/destination prefixes with negation, protocol,
// ports, input, mark) and an action. The CLI maps each [Rule] section onto one; PolicyTable compiles them.
using System.Collections.Immutable;
using System.Text;
using WgSharp.Tun.Net;

namespace WgSharp.Router.Policy;

/// <summary>
/// An immutable rule. Unset selectors match everything, except <see cref="Input"/> whose default is the
/// local side (as "Input = tun" is the config's default).
/// </summary>
/// <remarks>
/// Peers are whatever object the device uses for a peer (<typeparamref name="TPeer"/>), compared by
/// reference: a decision hands the peer straight back, with no index to look up or keep stable when
/// peers come and go, just as <c>IpPrefixTrie&lt;Peer&gt;</c> does for AllowedIPs. A rule naming a peer
/// that is removed must be recompiled (the control plane swaps in a new table).
/// </remarks>
internal sealed class PolicyRule<TPeer> : IEquatable<PolicyRule<TPeer>>
    where TPeer : class
{
    /// <summary>
    /// Source prefixes. The packet's source matches the list when it is in some non-negated entry (or
    /// there is none) and in no negated entry. Default: empty (anything).
    /// </summary>
    public ImmutableArray<PrefixSelector> Source { get; init; } = [];

    /// <summary>Destination prefixes, with the semantics of <see cref="Source"/>.</summary>
    public ImmutableArray<PrefixSelector> Destination { get; init; } = [];

    /// <summary>IP protocol number (IPv6: the upper-layer protocol after extension headers); null: any.</summary>
    public byte? Protocol { get; init; }

    /// <summary>Destination ports; needs a <see cref="Protocol"/> with ports. Never matches a packet whose ports are unknown (a non-first fragment).</summary>
    public PortRange? DestinationPorts { get; init; }

    /// <summary>Source ports, like <see cref="DestinationPorts"/>.</summary>
    public PortRange? SourcePorts { get; init; }

    /// <summary>Where packets come from; default: the local side.</summary>
    public PolicyInput<TPeer> Input { get; init; }

    /// <summary>Matches the mark set by earlier SetMark rules; null: any mark.</summary>
    public Mark? Mark { get; init; }

    /// <summary>
    /// The conntrack states the rule sees (default: new flows only). Packets of tracked flows and errors about them
    /// follow their flow's decision unless a rule selects their state; invalid ones are dropped unless one does.
    /// </summary>
    public PolicyStates States { get; init; } = PolicyStates.New;

    public PolicyRuleAction Action { get; init; }

    /// <summary>The peer of <see cref="PolicyRuleAction.ToPeer"/>; null otherwise.</summary>
    public TPeer? Peer { get; init; }

    /// <summary>Source-NAT to the interface address of the packet's family; only with Route or ToPeer.</summary>
    public bool Masquerade { get; init; }

    /// <summary>The mark of <see cref="PolicyRuleAction.SetMark"/>; null otherwise.</summary>
    public Mark? SetMark { get; init; }

    /// <summary>
    /// Evaluation order: lower first; equal priorities keep list order; a rule without one takes the
    /// priority of the rule before it in the list (0 for the first), so it stays right behind it.
    /// </summary>
    public uint? Priority { get; init; }

    /// <summary>
    /// Same selectors and action (<see cref="Priority"/> aside): the rule keeps its hit counter when a new
    /// table replaces the one it was in.
    /// </summary>
    public bool Equals(PolicyRule<TPeer>? other) =>
        other is not null &&
        SameList(Source, other.Source) &&
        SameList(Destination, other.Destination) &&
        Protocol == other.Protocol &&
        DestinationPorts == other.DestinationPorts &&
        SourcePorts == other.SourcePorts &&
        Input == other.Input &&
        Mark == other.Mark &&
        States == other.States &&
        Action == other.Action &&
        ReferenceEquals(Peer, other.Peer) &&
        Masquerade == other.Masquerade &&
        SetMark == other.SetMark;

    public override bool Equals(object? obj) => obj is PolicyRule<TPeer> other && Equals(other);

    public override int GetHashCode()
    {
        HashCode hash = default;
        foreach (PrefixSelector prefix in PolicyPrefixSet.Items(Source))
        {
            hash.Add(prefix);
        }
        hash.Add(-1);
        foreach (PrefixSelector prefix in PolicyPrefixSet.Items(Destination))
        {
            hash.Add(prefix);
        }
        hash.Add(Protocol);
        hash.Add(DestinationPorts);
        hash.Add(SourcePorts);
        hash.Add(Input);
        hash.Add(Mark);
        hash.Add(States);
        hash.Add(Action);
        hash.Add(Peer is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Peer));
        hash.Add(Masquerade);
        hash.Add(SetMark);
        return hash.ToHashCode();
    }

    /// <summary>A one-line description in the config's words, for logs and `wgsharp show`.</summary>
    public override string ToString()
    {
        StringBuilder text = new();
        if (!Source.IsDefaultOrEmpty)
        {
            text.Append("from ").AppendJoin(',', Source).Append(' ');
        }
        if (!Destination.IsDefaultOrEmpty)
        {
            text.Append("to ").AppendJoin(',', Destination).Append(' ');
        }
        if (Protocol is { } protocol)
        {
            text.Append("proto ").Append(protocol).Append(' ');
        }
        if (SourcePorts is { } sourcePorts)
        {
            text.Append("sport ").Append(sourcePorts).Append(' ');
        }
        if (DestinationPorts is { } destinationPorts)
        {
            text.Append("dport ").Append(destinationPorts).Append(' ');
        }
        text.Append("input ").Append(Input).Append(' ');
        if (Mark is { } mark)
        {
            text.Append("mark ").Append(mark).Append(' ');
        }
        if (States != PolicyStates.New)
        {
            text.Append("state ").Append(States.ToString().ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal)).Append(' ');
        }
        text.Append(Action switch
        {
            PolicyRuleAction.ToPeer => "peer " + Peer,
            PolicyRuleAction.SetMark => "setmark " + SetMark,
            _ => Action.ToString().ToLowerInvariant(),
        });
        if (Masquerade)
        {
            text.Append(" masquerade");
        }
        return text.ToString();
    }

    private static bool SameList(ImmutableArray<PrefixSelector> a, ImmutableArray<PrefixSelector> b) =>
        PolicyPrefixSet.Items(a).AsSpan().SequenceEqual(PolicyPrefixSet.Items(b).AsSpan());
}
