// A snapshot of one rule's hit counter: packets and bytes (IP length) it matched.
namespace WgSharp.Router.Policy;

internal readonly record struct PolicyRuleCounts(long Packets, long Bytes);
