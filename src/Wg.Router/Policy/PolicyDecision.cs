// What the rule stage decided for one packet: the action, the peer for ToPeer, masquerade, the final
// mark, and which rule decided.
using System.Runtime.InteropServices;

namespace WgSharp.Router.Policy;

[StructLayout(LayoutKind.Auto)]
internal readonly struct PolicyDecision<TPeer>
    where TPeer : class
{
    public PolicyDecision(PolicyAction action, TPeer? peer, bool masquerade, uint mark, int ruleIndex)
    {
        Action = action;
        Peer = peer;
        Masquerade = masquerade;
        Mark = mark;
        RuleIndex = ruleIndex;
    }

    public PolicyAction Action { get; }

    /// <summary>The target of <see cref="PolicyAction.ToPeer"/>; null for every other action.</summary>
    public TPeer? Peer { get; }

    /// <summary>Source-NAT the packet to the interface address of its family (Route and ToPeer only).</summary>
    public bool Masquerade { get; }

    /// <summary>The mark after every matching SetMark rule (the initial mark when none matched).</summary>
    public uint Mark { get; }

    /// <summary>Index, in the list the table was built from, of the rule that decided; -1 for <see cref="PolicyAction.Default"/>.</summary>
    public int RuleIndex { get; }

    public override string ToString() =>
        $"{Action}{(Peer is null ? "" : " " + Peer)}{(Masquerade ? " masquerade" : "")} mark 0x{Mark:x} rule {RuleIndex}";
}
