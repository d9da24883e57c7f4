// SaveConfig = true: at `down`, the configuration file is rewritten from the running interface (wg-quick's
// save_config): the device's keys, port, fwmark and peers, the interface's addresses, the MTU when the file
// set one, and everything else (DNS, Table, hooks, WgSharp's sections) from the file as it was read.
using System.Net;
using WgSharp.Cli.Host;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Configuration;

internal static class ConfigSaver
{
    /// <param name="original">The file as parsed at `down`.</param>
    /// <param name="device">The device's configuration (UAPI get).</param>
    /// <param name="addresses">The interface's addresses now.</param>
    /// <param name="mtu">The interface's MTU now.</param>
    /// <param name="markSetByUp">The fwmark `up` itself gave the device for policy routing, which is not saved.</param>
    public static string Compose(InterfaceConfig original, DeviceSnapshot device, IReadOnlyList<RoutePrefix> addresses, int? mtu, uint? markSetByUp)
    {
        using var saved = new InterfaceConfig(original.FileName)
        {
            PrivateKey = device.PrivateKey?.Clone(),
            ListenPort = device.ListenPort == 0 ? original.ListenPort : device.ListenPort,
            FirewallMark = device.FirewallMark == 0 || device.FirewallMark == markSetByUp ? original.FirewallMark : device.FirewallMark,
            Mtu = original.Mtu is null ? null : mtu ?? original.Mtu,
            Table = original.Table,
            SaveConfig = original.SaveConfig,
            MssClamp = original.MssClamp,
            ConntrackPerPeer = original.ConntrackPerPeer,
            Relay = original.Relay,
            User = original.User,
        };
        saved.Addresses.AddRange(addresses);
        saved.DnsServers.AddRange(original.DnsServers);
        saved.DnsSearch.AddRange(original.DnsSearch);
        saved.PreUp.AddRange(original.PreUp);
        saved.PostUp.AddRange(original.PostUp);
        saved.PreDown.AddRange(original.PreDown);
        saved.PostDown.AddRange(original.PostDown);
        saved.Rules.AddRange(original.Rules);
        saved.Forwards.AddRange(original.Forwards);
        foreach (PeerSnapshot peer in device.Peers)
        {
            PeerConfig? configured = original.Peers.Find(p => p.PublicKey.Equals(peer.PublicKey));
            var entry = new PeerConfig(0)
            {
                PublicKey = peer.PublicKey,
                PublicKeyLine = configured?.PublicKeyLine ?? 1,
                PresharedKey = peer.PresharedKey?.Clone(),
                Endpoint = EndpointFor(peer.Endpoint, configured),
                PersistentKeepalive = peer.PersistentKeepaliveInterval == 0 ? null : peer.PersistentKeepaliveInterval,
                Name = configured?.Name,
                Inbound = configured?.Inbound ?? default,
                Routes = configured?.Routes ?? default,
            };
            entry.AllowedIps.AddRange(peer.AllowedIps);
            saved.Peers.Add(entry);
        }

        return ConfigWriter.Write(saved);
    }

    /// <summary>Replaces the file with mode 0600 (as wg-quick): see <see cref="AtomicFile"/>.</summary>
    public static void Write(string path, string text) => AtomicFile.Replace(path, System.Text.Encoding.UTF8.GetBytes(text));

    // The host name from the file while it still resolves to where the peer is; otherwise the current address
    // (as `wg showconf` reports it).
    private static ConfigEndpoint? EndpointFor(IPEndPoint? current, PeerConfig? configured)
    {
        if (current is null)
        {
            return null;
        }

        if (configured?.Endpoint is { } written && current.Equals(configured.ResolvedEndpoint))
        {
            return written;
        }

        return new ConfigEndpoint(IpText.Format(current.Address), (ushort)current.Port, current.Address, 0);
    }
}
