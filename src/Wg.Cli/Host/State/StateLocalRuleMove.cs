// The guard's re-ordering of the `0: from all lookup local` rule (see TunnelAddressGuard): the original
// rule and the temporary priority its copy had while the original was re-added behind the guard rules.
using System.Net.Sockets;

namespace WgSharp.Cli.Host;

internal sealed class StateLocalRuleMove
{
    public AddressFamily Family { get; set; }

    /// <summary>The local rule as the kernel listed it before `up` (priority 0, table local).</summary>
    public StateRule Original { get; set; } = new();

    /// <summary>Where the copy lived during the move; `down` removes a copy left there by an interrupted `up`.</summary>
    public uint TemporaryPriority { get; set; }
}
