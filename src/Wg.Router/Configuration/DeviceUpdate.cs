// Everything one UAPI `set=1` transaction asks of the device, parsed and validated in full before
// any of it is applied (see IDeviceConfigurator.Apply).
using WgSharp.Noise.Keys;

namespace WgSharp.Router.Configuration;

public sealed class DeviceUpdate : IDisposable
{
    private PrivateKey? _privateKey;

    /// <summary>null: unchanged. An all-zero key removes the private key. Owned by this update:
    /// <see cref="IDeviceConfigurator.Apply"/> clones what it keeps.</summary>
    public PrivateKey? PrivateKey
    {
        get => _privateKey;
        set
        {
            if (!ReferenceEquals(_privateKey, value))
            {
                _privateKey?.Dispose();
            }

            _privateKey = value;
        }
    }

    /// <summary>null: unchanged; 0 lets the kernel choose a port. When a transaction names the port
    /// (or any other device value) twice, the last line wins.</summary>
    public ushort? ListenPort { get; set; }

    /// <summary>null: unchanged; 0 removes the mark.</summary>
    public uint? FirewallMark { get; set; }

    /// <summary>replace_peers=true: remove every existing peer before applying <see cref="Peers"/>.</summary>
    public bool ReplacePeers { get; set; }

    /// <summary>Peer sections in request order; one public key may appear in several sections
    /// (for example removed, then created again).</summary>
    public List<PeerUpdate> Peers { get; } = [];

    /// <summary>True when the transaction asks for nothing at all (a bare `set=1` followed by a blank line).</summary>
    public bool IsEmpty => PrivateKey is null && ListenPort is null && FirewallMark is null && !ReplacePeers && Peers.Count == 0;

    public void Dispose()
    {
        PrivateKey = null;
        foreach (PeerUpdate peer in Peers)
        {
            peer.Dispose();
        }
    }
}
