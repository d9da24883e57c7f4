// One entry of a [Rule] From/To list: a prefix, possibly negated with "!". A packet matches the list
// when it is in some positive prefix (or the list has none) and in no negated one.
using System.Net;
using WgSharp.Cli.Uapi;

namespace WgSharp.Cli.Configuration;

/// <param name="Network">Canonical (host bits cleared).</param>
internal readonly record struct PrefixSelector(IPNetwork Network, bool Negated)
{
    public override string ToString() => (Negated ? "!" : "") + IpText.Format(Network);
}
