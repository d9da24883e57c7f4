// The rule stage as the device holds it: the current compiled table, read lock-free by the data path
// and replaced whole by the control plane, with hit counters carried across replacements.
namespace WgSharp.Router.Policy;

/// <summary>
/// Holds the current <see cref="PolicyTable{TPeer}"/>. Readers load it with one volatile read and use
/// that table for the whole packet; <see cref="Replace"/> compiles a new one off to the side and
/// publishes it with one volatile write, so a packet is evaluated against the old rules or the new ones,
/// never a mix.
/// </summary>
/// <remarks>
/// Counters: a rule equal to one in the table being replaced keeps that rule's counter (the same object,
/// so matches counted by packets still finishing against the old table land in it too); a new or changed
/// rule starts at zero, and <c>resetCounters</c> starts them all at zero. A rule naming a peer object
/// that was removed and re-added is a changed rule.
/// </remarks>
internal sealed class PolicyStage<TPeer>
    where TPeer : class
{
    // Serializes Replace so that each new table inherits counters from the one it replaces.
    private readonly Lock _replaceLock = new();

    // Written under _replaceLock, read lock-free (volatile: the table is fully built before it is seen).
    private volatile PolicyTable<TPeer> _table = PolicyTable<TPeer>.Empty;

    /// <summary>The table in force. Take it once and use it for both its rules and their counters.</summary>
    public PolicyTable<TPeer> Current => _table;

    /// <summary>Evaluates <paramref name="packet"/> against the current table (see <see cref="PolicyTable{TPeer}.Evaluate"/>).</summary>
    public PolicyDecision<TPeer> Evaluate(in PacketSummary packet, TPeer? input, uint mark = 0, PolicyStates state = PolicyStates.New) =>
        _table.Evaluate(packet, input, mark, state);

    /// <summary>
    /// Compiles <paramref name="rules"/> and makes them current; returns the new table. Throws
    /// <see cref="ArgumentException"/> for an invalid rule, leaving the current table in force.
    /// <paramref name="canReceive"/>: see <see cref="PolicyTable{TPeer}.Build"/>.
    /// </summary>
    public PolicyTable<TPeer> Replace(IEnumerable<PolicyRule<TPeer>> rules, bool resetCounters = false, Func<TPeer, bool>? canReceive = null)
    {
        lock (_replaceLock)
        {
            PolicyTable<TPeer> table = PolicyTable<TPeer>.Build(rules, resetCounters ? null : _table, canReceive);
            _table = table;
            return table;
        }
    }
}
