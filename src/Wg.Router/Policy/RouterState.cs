// What the data path needs of the router configuration in force, compiled once per change and read
// with one volatile load per packet; null in the PolicyRouter means "plain WireGuard" (the fast path).
using WgSharp.Router.Device;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Policy;

/// <summary>Immutable; replaced whole under the device's configuration lock by PolicyRouter.Configure.</summary>
internal sealed class RouterState
{
    private readonly Dictionary<int, Peer> _peersByTag;

    public RouterState(
        bool hasRules, bool natActive, bool anyWhenUp, MssClamp clamp, IpAddressKey masqueradeV4, IpAddressKey masqueradeV6,
        Dictionary<int, Peer>? peersByTag = null, bool relayInUserspace = false)
    {
        RelayInUserspace = relayInUserspace;
        _peersByTag = peersByTag ?? [];
        HasRules = hasRules;
        NatActive = natActive;
        AnyWhenUp = anyWhenUp;
        Clamp = clamp;
        MasqueradeV4 = masqueradeV4;
        MasqueradeV6 = masqueradeV6;
    }

    /// <summary>The policy table has at least one rule (else every decision is Default).</summary>
    public bool HasRules { get; }

    /// <summary>
    /// Every packet passes conntrack/NAT: some rule masquerades or may relay between peers, a port forward is
    /// configured, or a peer has `Inbound = established` (which needs the outgoing flows recorded).
    /// </summary>
    public bool NatActive { get; }

    /// <summary>Some peer of the device has `Routes = when-up`: destination lookups must skip peers that cannot receive.</summary>
    public bool AnyWhenUp { get; }

    public MssClamp Clamp { get; }

    /// <summary>`Relay = userspace`: a packet from a peer to an address another peer owns goes straight to it when no rule decides.</summary>
    public bool RelayInUserspace { get; }

    /// <summary>The masquerade source per family: the first interface address of that family (default: none).</summary>
    public IpAddressKey MasqueradeV4 { get; }

    public IpAddressKey MasqueradeV6 { get; }

    /// <summary>True when nothing is configured that looks at packets: the device may skip the router stage.</summary>
    public bool IsInert => !HasRules && !NatActive && !AnyWhenUp && !Clamp.IsEnabled && !RelayInUserspace;

    /// <summary>The device's peer with conntrack tag <paramref name="tag"/> when this state was compiled (peers change: recompiled).</summary>
    public bool TryGetPeer(int tag, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Peer? peer) => _peersByTag.TryGetValue(tag, out peer);

    public bool TryGetMasquerade(IpFamily family, out IpAddressKey address)
    {
        address = family == IpFamily.V4 ? MasqueradeV4 : MasqueradeV6;
        return address.Family != IpFamily.Unspecified;
    }
}
