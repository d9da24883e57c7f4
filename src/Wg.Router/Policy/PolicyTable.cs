// The compiled, immutable rule set: rules sorted into evaluation order, split by input, each with its
// matchers precomputed, evaluated first-match-wins (SetMark rules apply and go on) without allocating.
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using WgSharp.Tun.Net;

namespace WgSharp.Router.Policy;

/// <summary>
/// An immutable, compiled set of rules. Any number of threads may call <see cref="Evaluate"/> at once;
/// the only shared writes are the hit counters. Replace a table whole (<see cref="PolicyStage{TPeer}"/>).
/// </summary>
internal sealed class PolicyTable<TPeer>
    where TPeer : class
{
    private readonly ImmutableArray<PolicyRule<TPeer>> _rules;
    private readonly PolicyRuleCounter[] _counters;
    private readonly ImmutableArray<int> _order;

    // The rules that can match each input, in evaluation order: Local and Any rules for the local side;
    // Peer(p) and Any rules per peer named by some rule; Any rules alone for every other peer. Splitting
    // by input keeps the scan of one direction from stepping over the other direction's rules.
    private readonly CompiledRule[] _local;
    private readonly CompiledRule[] _anyPeer;
    private readonly Dictionary<TPeer, CompiledRule[]>? _byPeer;

    // Asked, for a matching ToPeer rule, whether its peer is a destination now; null: always.
    private readonly Func<TPeer, bool>? _canReceive;

    private PolicyTable(
        ImmutableArray<PolicyRule<TPeer>> rules, PolicyRuleCounter[] counters, ImmutableArray<int> order,
        CompiledRule[] local, CompiledRule[] anyPeer, Dictionary<TPeer, CompiledRule[]>? byPeer, Func<TPeer, bool>? canReceive)
    {
        _canReceive = canReceive;
        _rules = rules;
        _counters = counters;
        _order = order;
        _local = local;
        _anyPeer = anyPeer;
        _byPeer = byPeer;
    }

    public static PolicyTable<TPeer> Empty { get; } = Build([]);

    /// <summary>The rules in the order they were given; <see cref="PolicyDecision{TPeer}.RuleIndex"/> indexes this.</summary>
    public ImmutableArray<PolicyRule<TPeer>> Rules => _rules;

    /// <summary>Indexes into <see cref="Rules"/> in evaluation order (see <see cref="PolicyRule{TPeer}.Priority"/>).</summary>
    public ImmutableArray<int> EvaluationOrder => _order;

    /// <summary>Packets and bytes matched so far by rule <paramref name="ruleIndex"/> (SetMark rules count every match).</summary>
    public PolicyRuleCounts GetCounts(int ruleIndex) => _counters[ruleIndex].Read();

    /// <summary>
    /// Validates and compiles <paramref name="rules"/>. With <paramref name="previous"/>, each rule equal
    /// to one of its rules (<see cref="PolicyRule{TPeer}.Equals(PolicyRule{TPeer}?)"/>: same selectors and
    /// action, wherever it sits and whatever its priority) takes over that rule's counter, pairing equal
    /// rules in list order; every other rule starts from zero. Throws <see cref="ArgumentException"/> for
    /// an inconsistent rule (misuse: the config parser refuses those with a line number first).
    /// With <paramref name="canReceive"/>, a ToPeer rule whose peer it refuses at evaluation time does not
    /// match (and is not counted): evaluation goes on to the next rule (`Routes = when-up` peers without a
    /// live session). It must be thread-safe, cheap and allocation-free.
    /// </summary>
    public static PolicyTable<TPeer> Build(IEnumerable<PolicyRule<TPeer>> rules, PolicyTable<TPeer>? previous = null, Func<TPeer, bool>? canReceive = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ImmutableArray<PolicyRule<TPeer>> list = [.. rules];
        for (int i = 0; i < list.Length; i++)
        {
            Validate(list[i], i);
        }

        PolicyRuleCounter[] counters = new PolicyRuleCounter[list.Length];
        Dictionary<PolicyRule<TPeer>, Queue<PolicyRuleCounter>> reusable = [];
        if (previous is not null)
        {
            for (int i = 0; i < previous._rules.Length; i++)
            {
                if (!reusable.TryGetValue(previous._rules[i], out Queue<PolicyRuleCounter>? queue))
                {
                    reusable[previous._rules[i]] = queue = new Queue<PolicyRuleCounter>();
                }
                queue.Enqueue(previous._counters[i]);
            }
        }
        for (int i = 0; i < list.Length; i++)
        {
            counters[i] = reusable.TryGetValue(list[i], out Queue<PolicyRuleCounter>? queue) && queue.TryDequeue(out PolicyRuleCounter? counter)
                ? counter
                : new PolicyRuleCounter();
        }

        // Priority order; a rule without one inherits its predecessor's; OrderBy is stable (list order breaks ties).
        long[] keys = new long[list.Length];
        long current = 0;
        for (int i = 0; i < list.Length; i++)
        {
            current = list[i].Priority ?? current;
            keys[i] = current;
        }
        ImmutableArray<int> order = [.. Enumerable.Range(0, list.Length).OrderBy(i => keys[i])];

        CompiledRule[] compiled = [.. order.Select(i => new CompiledRule(list[i], i, counters[i]))];
        CompiledRule[] local = [.. compiled.Where(r => r.InputKind != PolicyInputKind.Peer)];
        CompiledRule[] anyPeer = [.. compiled.Where(r => r.InputKind == PolicyInputKind.Any)];
        Dictionary<TPeer, CompiledRule[]>? byPeer = null;
        foreach (TPeer peer in compiled.Where(r => r.InputKind == PolicyInputKind.Peer).Select(r => r.InputPeer!).Distinct(ReferenceEqualityComparer.Instance).Cast<TPeer>())
        {
            byPeer ??= new Dictionary<TPeer, CompiledRule[]>(ReferenceEqualityComparer.Instance);
            byPeer[peer] = [.. compiled.Where(r => r.InputKind == PolicyInputKind.Any || ReferenceEquals(r.InputPeer, peer))];
        }
        return new PolicyTable<TPeer>(list, counters, order, local, anyPeer, byPeer, canReceive);
    }

    /// <summary>
    /// Runs the rules that apply to <paramref name="input"/> (null: the packet came from the local side,
    /// TUN; otherwise the peer it was decrypted from) in evaluation order, starting from
    /// <paramref name="mark"/>: a matching SetMark rule changes the mark and evaluation goes on, the
    /// first other matching rule decides. Only rules whose <see cref="PolicyRule{TPeer}.States"/> hold
    /// <paramref name="state"/> (the packet's conntrack state) take part. Counts every match. Allocation-free and lock-free.
    /// </summary>
    public PolicyDecision<TPeer> Evaluate(in PacketSummary packet, TPeer? input, uint mark = 0, PolicyStates state = PolicyStates.New)
    {
        CompiledRule[] rules = input is null ? _local : RulesFor(input);
        foreach (ref readonly CompiledRule rule in rules.AsSpan())
        {
            if ((rule.States & state) == 0 || !rule.Matches(packet, mark))
            {
                continue;
            }
            if (rule.Action == PolicyRuleAction.ToPeer && _canReceive is not null && !_canReceive(rule.Peer!))
            {
                continue;
            }
            rule.Counter.Add(packet.Length);
            if (rule.Action == PolicyRuleAction.SetMark)
            {
                mark = (mark & ~rule.SetMarkMask) | rule.SetMarkValue;
                continue;
            }
            return new PolicyDecision<TPeer>(rule.Decision, rule.Peer, rule.Masquerade, mark, rule.Index);
        }
        return new PolicyDecision<TPeer>(PolicyAction.Default, null, false, mark, -1);
    }

    private CompiledRule[] RulesFor(TPeer input) =>
        _byPeer is not null && _byPeer.TryGetValue(input, out CompiledRule[]? rules) ? rules : _anyPeer;

    private static void Validate(PolicyRule<TPeer> rule, int index)
    {
        ArgumentNullException.ThrowIfNull(rule);
        string? problem = null;
        if (rule.Input.Kind == PolicyInputKind.Peer && rule.Input.Peer is null)
        {
            problem = "input peer missing";
        }
        else if ((rule.Action == PolicyRuleAction.ToPeer) != (rule.Peer is not null))
        {
            problem = rule.Peer is null ? "ToPeer needs a peer" : "only ToPeer names a peer";
        }
        else if (rule.Masquerade && rule.Action is not (PolicyRuleAction.Route or PolicyRuleAction.ToPeer))
        {
            problem = "masquerade only with Route or ToPeer";
        }
        else if ((rule.Action == PolicyRuleAction.SetMark) != rule.SetMark.HasValue)
        {
            problem = rule.SetMark.HasValue ? "only SetMark sets a mark" : "SetMark needs a mark";
        }
        else if (rule.States == PolicyStates.None || rule.States > (PolicyStates.New | PolicyStates.Established | PolicyStates.Related | PolicyStates.Invalid))
        {
            problem = "no conntrack state, or an unknown one";
        }
        else if (rule.States != PolicyStates.New && rule.Action is PolicyRuleAction.Route or PolicyRuleAction.ToPeer)
        {
            problem = "a state other than new only with Accept, Drop, Reject or SetMark (a tracked flow keeps its route)";
        }
        else if (rule.SetMark is { IsValid: false } || rule.Mark is { IsValid: false })
        {
            problem = "a mark value has bits outside its mask";
        }
        else if ((rule.DestinationPorts.HasValue || rule.SourcePorts.HasValue) &&
            !(rule.Protocol is { } protocol && PacketSummary.HasPortsProtocol(protocol)))
        {
            problem = "ports need a protocol with ports (tcp, udp, udplite, sctp, dccp)";
        }
        else if (rule.DestinationPorts is { } d && d.First > d.Last || rule.SourcePorts is { } s && s.First > s.Last)
        {
            problem = "port range reversed";
        }
        if (problem is not null)
        {
            PolicyThrowHelper.ThrowArgument($"Rule {index} ({rule}): {problem}.", nameof(rule));
        }
    }

    /// <summary>One rule reduced to the comparisons a packet needs, in cheapest-first order.</summary>
    [StructLayout(LayoutKind.Auto)]
    private readonly struct CompiledRule
    {
        public readonly PolicyPrefixSet? Source;
        public readonly PolicyPrefixSet? Destination;
        public readonly TPeer? Peer;
        public readonly TPeer? InputPeer;
        public readonly PolicyRuleCounter Counter;
        public readonly int Index;
        public readonly uint MarkMask;
        public readonly uint Mark;
        public readonly uint SetMarkMask;
        public readonly uint SetMarkValue;
        public readonly ushort DestinationFirst;
        public readonly ushort DestinationSpan;
        public readonly ushort SourceFirst;
        public readonly ushort SourceSpan;
        public readonly byte Protocol;
        public readonly bool MatchProtocol;
        public readonly bool MatchPorts;
        public readonly bool Masquerade;
        public readonly PolicyRuleAction Action;
        public readonly PolicyAction Decision;
        public readonly PolicyInputKind InputKind;
        public readonly PolicyStates States;

        public CompiledRule(PolicyRule<TPeer> rule, int index, PolicyRuleCounter counter)
        {
            Source = PolicyPrefixSet.Items(rule.Source).IsEmpty ? null : new PolicyPrefixSet(rule.Source);
            Destination = PolicyPrefixSet.Items(rule.Destination).IsEmpty ? null : new PolicyPrefixSet(rule.Destination);
            Peer = rule.Peer;
            InputKind = rule.Input.Kind;
            States = rule.States;
            InputPeer = rule.Input.Peer;
            Counter = counter;
            Index = index;
            // No Mark selector: mask 0 and value 0 match every mark.
            MarkMask = rule.Mark?.Mask ?? 0;
            Mark = rule.Mark?.Value ?? 0;
            SetMarkMask = rule.SetMark?.Mask ?? 0;
            SetMarkValue = rule.SetMark?.Value ?? 0;
            PortRange destination = rule.DestinationPorts ?? new PortRange(0, ushort.MaxValue);
            PortRange source = rule.SourcePorts ?? new PortRange(0, ushort.MaxValue);
            DestinationFirst = destination.First;
            DestinationSpan = (ushort)(destination.Last - destination.First);
            SourceFirst = source.First;
            SourceSpan = (ushort)(source.Last - source.First);
            MatchPorts = rule.DestinationPorts.HasValue || rule.SourcePorts.HasValue;
            MatchProtocol = rule.Protocol.HasValue;
            Protocol = rule.Protocol ?? 0;
            Masquerade = rule.Masquerade;
            Action = rule.Action;
            Decision = rule.Action switch
            {
                PolicyRuleAction.Route => PolicyAction.Route,
                PolicyRuleAction.ToPeer => PolicyAction.ToPeer,
                PolicyRuleAction.Accept => PolicyAction.Accept,
                PolicyRuleAction.Drop => PolicyAction.Drop,
                PolicyRuleAction.Reject => PolicyAction.Reject,
                _ => PolicyAction.Default,
            };
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Matches(in PacketSummary packet, uint mark)
        {
            if (MatchProtocol && packet.Protocol != Protocol)
            {
                return false;
            }
            // A port range is (value - first) ≤ span in 16-bit arithmetic; an unset side spans 0..65535.
            if (MatchPorts &&
                (!packet.HasPorts ||
                 (ushort)(packet.DestinationPort - DestinationFirst) > DestinationSpan ||
                 (ushort)(packet.SourcePort - SourceFirst) > SourceSpan))
            {
                return false;
            }
            if ((mark & MarkMask) != Mark)
            {
                return false;
            }
            return (Source is null || Source.Contains(packet.Source)) &&
                (Destination is null || Destination.Contains(packet.Destination));
        }
    }
}
