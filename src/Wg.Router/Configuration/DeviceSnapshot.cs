// The whole device configuration and per-peer statistics, as the UAPI `get=1` operation reports them.
using WgSharp.Noise.Keys;

namespace WgSharp.Router.Configuration;

public sealed class DeviceSnapshot : IDisposable
{
    /// <summary>null when the device has no private key. Owned by the snapshot (a copy of the device's).</summary>
    public PrivateKey? PrivateKey { get; init; }

    /// <summary>The port the device is listening on (the one actually bound when 0 was asked for);
    /// 0 when it is not listening.</summary>
    public ushort ListenPort { get; init; }

    /// <summary>0 when no mark is set.</summary>
    public uint FirewallMark { get; init; }

    public IReadOnlyList<PeerSnapshot> Peers { get; init; } = [];

    public void Dispose()
    {
        PrivateKey?.Dispose();
        foreach (PeerSnapshot peer in Peers)
        {
            peer.Dispose();
        }
    }
}
