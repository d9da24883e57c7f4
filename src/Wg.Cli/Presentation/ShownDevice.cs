// One interface as `show` prints it: its name, the configuration and counters read from its socket,
// when they were read (the "now" of "latest handshake: 5 seconds ago"), and, for a wgsharp daemon, its
// policy router's configuration and snapshot.
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Presentation;

/// <param name="Snapshot">Owned by the caller.</param>
/// <param name="Router">null: not read, or not a wgsharp daemon.</param>
internal sealed record ShownDevice(string Name, DeviceSnapshot Snapshot, DateTimeOffset Now, RouterInfo? Router = null)
{
    /// <summary>Whether the interface has a router configuration worth showing (rules, forwards, MSS
    /// clamping or peer options); without one `show` prints exactly what wg prints.</summary>
    public bool HasPolicy => Router?.Configuration is { } c
        && (c.Rules.Count > 0 || c.Forwards.Count > 0 || c.MssClamp != 0 || c.Peers.Count > 0 || c.Relay != RouterRelay.Kernel);

    /// <summary>The peer's Name in the router configuration; null when it has none.</summary>
    public string? PeerName(Noise.Keys.PublicKey key)
    {
        if (Router is null)
        {
            return null;
        }

        foreach (RouterPeerOptions peer in Router.Configuration.Peers)
        {
            if (peer.PublicKey == key)
            {
                return peer.Name;
            }
        }

        return null;
    }
}
