// One peer as the UAPI `get=1` operation reports it.
using System.Net;
using WgSharp.Noise.Keys;

namespace WgSharp.Router.Configuration;

public sealed class PeerSnapshot : IDisposable
{
    public required PublicKey PublicKey { get; init; }

    /// <summary>null when the peer has no preshared key (reported as all zeros). Owned by the snapshot.</summary>
    public PresharedKey? PresharedKey { get; init; }

    /// <summary>The current endpoint (the configured one, or the address the peer last roamed to).</summary>
    public IPEndPoint? Endpoint { get; init; }

    /// <summary>The endpoint configuration set last (`endpoint=`), not one learned from packets; null when none was.</summary>
    public IPEndPoint? ConfiguredEndpoint { get; init; }

    /// <summary>Where the latest authenticated handshake message came from; null when none has arrived.</summary>
    public IPEndPoint? HandshakeSource { get; init; }

    /// <summary>True when the handshake begun at <see cref="HandshakeSource"/> completed: our initiation was answered
    /// from there, or the peer used the session its initiation from there set up.</summary>
    public bool HandshakeSourceCompleted { get; init; }

    /// <summary>Tells one handshake message's <see cref="HandshakeSource"/> from the next (0 when none).</summary>
    public long HandshakeSequence { get; init; }

    /// <summary>Wall-clock time of the last completed handshake; null if there has been none.</summary>
    public DateTimeOffset? LastHandshake { get; init; }

    /// <summary>Bytes sent to the peer (transport data including WireGuard overhead, as wireguard-go counts).</summary>
    public ulong TransmitBytes { get; init; }

    /// <summary>Bytes received from the peer.</summary>
    public ulong ReceiveBytes { get; init; }

    /// <summary>Seconds; 0 means off.</summary>
    public ushort PersistentKeepaliveInterval { get; init; }

    /// <summary>The peer's allowed IPs, canonical (host bits cleared).</summary>
    public IReadOnlyList<IPNetwork> AllowedIps { get; init; } = [];

    public void Dispose() => PresharedKey?.Dispose();
}
