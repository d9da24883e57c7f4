// One side of a TunnelPair: its namespace, daemon, keys, underlay veth end and tunnel addresses.
using System.Net;

namespace WgSharp.Interop.Tests.Harness;

internal sealed record TunnelSide(
    NetworkNamespace Namespace,
    WireGuardPeer Peer,
    KeyPair Keys,
    VethEnd Underlay,
    int ListenPort,
    IPAddress TunnelV4,
    IPAddress TunnelV6,
    string? PresharedKeyFile)
{
    /// <summary>Tunnel address of the given family.</summary>
    public IPAddress Tunnel(bool v6) => v6 ? TunnelV6 : TunnelV4;

    /// <summary>Where the other side reaches this one, over the given underlay family.</summary>
    public IPEndPoint Endpoint(EndpointFamily family) =>
        new(family == EndpointFamily.V6 ? Underlay.V6 : Underlay.V4, ListenPort);
}
