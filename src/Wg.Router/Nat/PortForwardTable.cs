// The port forwards in force, indexed by (protocol, interface address, port): a new inbound flow finds its
// forward with one hash lookup, however many forwards (up to the validator's 1,024 entries) are configured.
using System.Collections.Frozen;
using System.Runtime.InteropServices;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Nat;

/// <summary>Immutable: built once when the configuration is applied, replaced as a whole.</summary>
internal sealed class PortForwardTable
{
    private readonly FrozenDictionary<Key, PortForward> _index;

    public PortForwardTable(IEnumerable<PortForward> forwards)
    {
        ArgumentNullException.ThrowIfNull(forwards);
        Forwards = [.. forwards];
        var index = new Dictionary<Key, PortForward>(Forwards.Length);
        foreach (PortForward forward in Forwards)
        {
            // The first of two forwards for one (protocol, address, port) wins, as in file order.
            index.TryAdd(new Key(forward.Protocol, forward.Port, forward.Address), forward);
        }

        _index = index.ToFrozenDictionary();
    }

    public static PortForwardTable Empty { get; } = new([]);

    /// <summary>The forwards in the order given.</summary>
    public PortForward[] Forwards { get; }

    /// <summary>The forward for a flow's first packet: TCP or UDP to an interface address and port that is forwarded. Allocation-free.</summary>
    public bool TryFind(in FlowTuple tuple, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PortForward? forward)
    {
        forward = null;
        return tuple.Protocol is IpProtocol.Tcp or IpProtocol.Udp && _index.Count > 0
            && _index.TryGetValue(new Key(tuple.Protocol, tuple.DestinationPort, tuple.Destination), out forward);
    }

    [StructLayout(LayoutKind.Auto)]
    private readonly record struct Key(byte Protocol, ushort Port, IpAddressKey Address);
}
