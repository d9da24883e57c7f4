// The control-plane face of a WireGuard device: what the UAPI server (and `wgsharp` itself) reads
// and changes. The device implements it; tests use an in-memory double.
namespace WgSharp.Router.Configuration;

public interface IDeviceConfigurator
{
    /// <summary>A consistent copy of the configuration and counters, taken at one instant. The caller
    /// owns (and disposes) the snapshot and the key copies in it.</summary>
    /// <exception cref="ConfigurationException">The device cannot report (for example, it is closed).</exception>
    DeviceSnapshot GetSnapshot();

    /// <summary>
    /// Applies one set transaction atomically: either every part of <paramref name="update"/> takes
    /// effect, or none does and the method throws <see cref="ConfigurationException"/> with a negative
    /// errno (-98 EADDRINUSE when the listen port cannot be bound or the fwmark cannot be set on the
    /// socket, -22 EINVAL for anything else the device refuses, such as too many peers) and a message
    /// free of key material; nothing has changed then.
    /// </summary>
    /// <remarks>
    /// Semantics follow wireguard-go, in request order: device values first (the last value given wins;
    /// a new private key also removes any peer with the matching public key), then
    /// <see cref="DeviceUpdate.ReplacePeers"/>, then each <see cref="PeerUpdate"/> in list order. A peer
    /// section whose public key equals the device's own (after the update) is ignored. Within a section:
    /// <see cref="PeerUpdate.Remove"/> deletes the peer and ignores the rest; <see cref="PeerUpdate.UpdateOnly"/>
    /// skips a peer that does not exist yet; otherwise the peer is created if needed, then the preshared
    /// key, endpoint and keepalive are set when given, then <see cref="PeerUpdate.ReplaceAllowedIps"/>,
    /// then <see cref="PeerUpdate.AllowedIpChanges"/> in order (adding a prefix another peer owns moves it;
    /// removing a prefix this peer does not own does nothing). The update is validated and parsed already;
    /// the caller keeps ownership of it and its keys, so the device clones any key it keeps. Calls are
    /// serialized by the caller (the UAPI server holds one lock around every get and set).
    /// </remarks>
    void Apply(DeviceUpdate update);
}
