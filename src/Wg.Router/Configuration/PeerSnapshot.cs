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
