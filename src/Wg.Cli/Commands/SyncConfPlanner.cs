// What `syncconf` sends: the one set transaction that turns the running device into what the file describes,
// mentioning only what differs, so peers that already match keep their sessions, roamed endpoints and counters.
using System.Net;
using WgSharp.Cli.Configuration;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Commands;

internal static class SyncConfPlanner
{
    /// <summary>
    /// The set transaction that turns <paramref name="running"/> into what <paramref name="desired"/>
    /// describes (what `wg setconf` would make of it), mentioning only what differs: the private key and
    /// fwmark (absent means 0) when they differ; the listen port when the file names one other than 0 and
    /// it differs (without one, wg would rebind to a random port; the port in use is as random as any);
    /// running peers missing from the file removed first; then, in file order, new peers in full and
    /// changed peers with only what changed: the preshared key (absent means none), the endpoint when the
    /// file gives one, the keepalive (absent means off), and the allowed IPs (compared as sets; when they
    /// differ, replaced). A prefix listed for several peers belongs to the last one, as after setconf.
    /// The caller owns (and disposes) the update.
    /// </summary>
    /// <param name="keptFirewallMark">The fwmark `up` gave the device for its policy routing or steering, which the
    /// device keeps when the file names none (0 or absent); null for none.</param>
    internal static DeviceUpdate Plan(InterfaceConfig desired, DeviceSnapshot running, uint? keptFirewallMark = null)
    {
        var update = new DeviceUpdate();
        try
        {
            if (desired.PrivateKey is { } privateKey && !privateKey.SecretEquals(running.PrivateKey))
            {
                update.PrivateKey = privateKey.Clone();
            }
            else if (desired.PrivateKey is null && running.PrivateKey is not null)
            {
                update.PrivateKey = PrivateKey.FromBytes(new byte[32]);
            }

            if (desired.ListenPort is { } port and not 0 && port != running.ListenPort)
            {
                update.ListenPort = port;
            }

            uint mark = desired.FirewallMark is { } fileMark and not 0 ? fileMark : keptFirewallMark ?? 0;
            if (mark != running.FirewallMark)
            {
                update.FirewallMark = mark;
            }

            var runningPeers = new Dictionary<PublicKey, PeerSnapshot>();
            foreach (PeerSnapshot peer in running.Peers)
            {
                runningPeers[peer.PublicKey] = peer;
            }

            var desiredKeys = new HashSet<PublicKey>(desired.Peers.Select(p => p.PublicKey));
            foreach (PeerSnapshot peer in running.Peers)
            {
                if (!desiredKeys.Contains(peer.PublicKey))
                {
                    update.Peers.Add(new PeerUpdate(peer.PublicKey) { Remove = true });
                }
            }

            Dictionary<PeerConfig, List<IPNetwork>> allowedIps = DesiredAllowedIps(desired);
            foreach (PeerConfig peer in desired.Peers)
            {
                PeerUpdate? change = runningPeers.TryGetValue(peer.PublicKey, out PeerSnapshot? current)
                    ? Difference(peer, allowedIps[peer], current)
                    : Creation(peer, allowedIps[peer]);
                if (change is not null)
                {
                    update.Peers.Add(change);
                }
            }

            return update;
        }
        catch
        {
            update.Dispose();
            throw;
        }
    }

    // Each peer's prefixes without repeats; a prefix listed for several peers only for the last of them
    // (setconf adds them in file order, and adding a prefix to a peer takes it from any other).
    private static Dictionary<PeerConfig, List<IPNetwork>> DesiredAllowedIps(InterfaceConfig desired)
    {
        var owner = new Dictionary<IPNetwork, PeerConfig>();
        foreach (PeerConfig peer in desired.Peers)
        {
            foreach (IPNetwork network in peer.AllowedIps)
            {
                owner[network] = peer;
            }
        }

        var result = new Dictionary<PeerConfig, List<IPNetwork>>(ReferenceEqualityComparer.Instance);
        foreach (PeerConfig peer in desired.Peers)
        {
            var seen = new HashSet<IPNetwork>();
            result[peer] = [.. peer.AllowedIps.Where(n => owner[n] == peer && seen.Add(n))];
        }

        return result;
    }

    private static PeerUpdate Creation(PeerConfig peer, List<IPNetwork> allowedIps)
    {
        var creation = new PeerUpdate(peer.PublicKey)
        {
            PresharedKey = peer.PresharedKey?.Clone(),
            Endpoint = peer.ResolvedEndpoint,
            PersistentKeepaliveInterval = peer.PersistentKeepalive is null or 0 ? null : peer.PersistentKeepalive,
            ReplaceAllowedIps = true,
        };
        foreach (IPNetwork network in allowedIps)
        {
            creation.AllowedIpChanges.Add(new AllowedIpChange(network, Remove: false));
        }

        return creation;
    }

    // Null when the running peer already is what the file says.
    private static PeerUpdate? Difference(PeerConfig peer, List<IPNetwork> allowedIps, PeerSnapshot current)
    {
        var change = new PeerUpdate(peer.PublicKey);
        bool changed = false;
        if (!SamePresharedKey(peer.PresharedKey, current.PresharedKey))
        {
            change.PresharedKey = peer.PresharedKey?.Clone() ?? PresharedKey.FromBytes(new byte[32]);
            changed = true;
        }

        if (peer.ResolvedEndpoint is { } endpoint && !endpoint.Equals(current.Endpoint))
        {
            change.Endpoint = endpoint;
            changed = true;
        }

        ushort keepalive = peer.PersistentKeepalive ?? 0;
        if (keepalive != current.PersistentKeepaliveInterval)
        {
            change.PersistentKeepaliveInterval = keepalive;
            changed = true;
        }

        if (!new HashSet<IPNetwork>(current.AllowedIps).SetEquals(allowedIps))
        {
            change.ReplaceAllowedIps = true;
            foreach (IPNetwork network in allowedIps)
            {
                change.AllowedIpChanges.Add(new AllowedIpChange(network, Remove: false));
            }

            changed = true;
        }

        if (changed)
        {
            return change;
        }

        change.Dispose();
        return null;
    }

    private static bool SamePresharedKey(PresharedKey? desired, PresharedKey? current) =>
        desired is null ? current is null : desired.SecretEquals(current);
}
