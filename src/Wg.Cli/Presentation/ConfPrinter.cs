// The output of `showconf`: the running configuration as a configuration file, byte for byte what
// `wg showconf` prints ([Interface] with ListenPort, FwMark and PrivateKey, then each [Peer] in the
// daemon's order). It holds the private key.
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Presentation;

internal static class ConfPrinter
{
    public static void Write(ShowWriter writer, DeviceSnapshot snapshot)
    {
        writer.Text("[Interface]\n");
        if (snapshot.ListenPort != 0)
        {
            writer.Text("ListenPort = ").Decimal(snapshot.ListenPort).Text('\n');
        }

        if (snapshot.FirewallMark != 0)
        {
            writer.Text("FwMark = ").Text(PrettyPrinter.Hex(snapshot.FirewallMark)).Text('\n');
        }

        if (snapshot.PrivateKey is { } privateKey)
        {
            writer.Text("PrivateKey = ").Secret(privateKey).Text('\n');
        }

        writer.Text('\n');
        for (int i = 0; i < snapshot.Peers.Count; i++)
        {
            PeerSnapshot peer = snapshot.Peers[i];
            writer.Text("[Peer]\nPublicKey = ").Key(peer.PublicKey).Text('\n');
            if (peer.PresharedKey is { } presharedKey)
            {
                writer.Text("PresharedKey = ").Secret(presharedKey).Text('\n');
            }

            if (peer.AllowedIps.Count > 0)
            {
                writer.Text("AllowedIPs = ").Text(string.Join(", ", peer.AllowedIps.Select(WgText.Prefix))).Text('\n');
            }

            if (peer.Endpoint is { } endpoint)
            {
                writer.Text("Endpoint = ").Text(WgText.Endpoint(endpoint)).Text('\n');
            }

            if (peer.PersistentKeepaliveInterval != 0)
            {
                writer.Text("PersistentKeepalive = ").Decimal(peer.PersistentKeepaliveInterval).Text('\n');
            }

            if (i < snapshot.Peers.Count - 1)
            {
                writer.Text('\n');
            }
        }
    }
}
