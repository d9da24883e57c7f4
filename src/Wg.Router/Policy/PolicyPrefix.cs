// One entry of a rule's source or destination list: a prefix, possibly negated ("!10.0.0.0/8").
// PolicyPrefixSet gives a list its meaning.
using System.Collections.Immutable;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Policy;

internal readonly record struct PolicyPrefix(IpPrefix Prefix, bool Negated)
{
    /// <summary>Parses "prefix" or "!prefix" (control plane and tests; allocates for IPv6).</summary>
    public static PolicyPrefix Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        ReadOnlySpan<char> trimmed = text.AsSpan().Trim();
        bool negated = trimmed.StartsWith("!");
        return new PolicyPrefix(IpPrefix.Parse(negated ? trimmed[1..].ToString() : trimmed.ToString()), negated);
    }

    /// <summary>A rule's list, with <c>default</c> (never assigned) read as empty.</summary>
    public static ImmutableArray<PolicyPrefix> Items(ImmutableArray<PolicyPrefix> list) => list.IsDefault ? [] : list;

    public override string ToString() => (Negated ? "!" : "") + Prefix.ToString();
}
