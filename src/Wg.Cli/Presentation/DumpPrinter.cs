// The script-friendly forms of `show`: `dump` and the one-item fields (`peers`, `endpoints`,
// `transfer`, ...), tab-separated exactly as wg's show.c prints them, in the order the daemon reports
// the peers, never colored, keys in full. With `all`, each line starts with the interface name.
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Presentation;

internal static class DumpPrinter
{
    public static void Write(ShowWriter writer, ShownDevice device, ShowField field, bool withInterface)
    {
        DeviceSnapshot snapshot = device.Snapshot;
        switch (field)
        {
            case ShowField.PublicKey:
                Prefix(writer, device, withInterface);
                PublicKey(writer, snapshot).Text('\n');
                return;
            case ShowField.PrivateKey:
                Prefix(writer, device, withInterface);
                PrivateKey(writer, snapshot).Text('\n');
                return;
            case ShowField.ListenPort:
                Prefix(writer, device, withInterface).Decimal(snapshot.ListenPort).Text('\n');
                return;
            case ShowField.FirewallMark:
                Prefix(writer, device, withInterface);
                FirewallMark(writer, snapshot).Text('\n');
                return;
            case ShowField.Dump:
                WriteDump(writer, device, withInterface);
                return;
        }

        foreach (PeerSnapshot peer in snapshot.Peers)
        {
            Prefix(writer, device, withInterface).Key(peer.PublicKey);
            switch (field)
            {
                case ShowField.Peers:
                    break;
                case ShowField.PresharedKeys:
                    PresharedKey(writer.Text('\t'), peer);
                    break;
                case ShowField.Endpoints:
                    Endpoint(writer.Text('\t'), peer);
                    break;
                case ShowField.AllowedIps:
                    AllowedIps(writer.Text('\t'), peer, ' ');
                    break;
                case ShowField.LatestHandshakes:
                    writer.Text('\t').Text(PrettyPrinter.HandshakeSeconds(peer).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case ShowField.Transfer:
                    writer.Text('\t').Decimal(peer.ReceiveBytes).Text('\t').Decimal(peer.TransmitBytes);
                    break;
                case ShowField.PersistentKeepalive:
                    Keepalive(writer.Text('\t'), peer);
                    break;
            }

            writer.Text('\n');
        }
    }

    // private-key public-key listen-port fwmark, then per peer: public-key preshared-key endpoint
    // allowed-ips latest-handshake transfer-rx transfer-tx persistent-keepalive.
    private static void WriteDump(ShowWriter writer, ShownDevice device, bool withInterface)
    {
        DeviceSnapshot snapshot = device.Snapshot;
        Prefix(writer, device, withInterface);
        PrivateKey(writer, snapshot).Text('\t');
        PublicKey(writer, snapshot).Text('\t').Decimal(snapshot.ListenPort).Text('\t');
        FirewallMark(writer, snapshot).Text('\n');
        foreach (PeerSnapshot peer in snapshot.Peers)
        {
            Prefix(writer, device, withInterface).Key(peer.PublicKey).Text('\t');
            PresharedKey(writer, peer).Text('\t');
            Endpoint(writer, peer).Text('\t');
            AllowedIps(writer, peer, ',').Text('\t')
                .Text(PrettyPrinter.HandshakeSeconds(peer).ToString(System.Globalization.CultureInfo.InvariantCulture)).Text('\t')
                .Decimal(peer.ReceiveBytes).Text('\t').Decimal(peer.TransmitBytes).Text('\t');
            Keepalive(writer, peer).Text('\n');
        }
    }

    private static ShowWriter Prefix(ShowWriter writer, ShownDevice device, bool withInterface) =>
        withInterface ? writer.Text(device.Name).Text('\t') : writer;

    // The public key of the private key, as wg derives it (the UAPI reports only the private key).
    private static ShowWriter PublicKey(ShowWriter writer, DeviceSnapshot snapshot) =>
        snapshot.PrivateKey is { } key ? writer.Key(key.ComputePublicKey()) : writer.Text("(none)");

    private static ShowWriter PrivateKey(ShowWriter writer, DeviceSnapshot snapshot) =>
        snapshot.PrivateKey is { } key ? writer.Secret(key) : writer.Text("(none)");

    private static ShowWriter FirewallMark(ShowWriter writer, DeviceSnapshot snapshot) =>
        writer.Text(snapshot.FirewallMark == 0 ? "off" : PrettyPrinter.Hex(snapshot.FirewallMark));

    private static ShowWriter PresharedKey(ShowWriter writer, PeerSnapshot peer) =>
        peer.PresharedKey is { } key ? writer.Secret(key) : writer.Text("(none)");

    private static ShowWriter Endpoint(ShowWriter writer, PeerSnapshot peer) =>
        writer.Text(peer.Endpoint is { } endpoint ? WgText.Endpoint(endpoint) : "(none)");

    private static ShowWriter AllowedIps(ShowWriter writer, PeerSnapshot peer, char separator)
    {
        if (peer.AllowedIps.Count == 0)
        {
            return writer.Text("(none)");
        }

        for (int i = 0; i < peer.AllowedIps.Count; i++)
        {
            if (i > 0)
            {
                writer.Text(separator);
            }

            writer.Text(WgText.Prefix(peer.AllowedIps[i]));
        }

        return writer;
    }

    private static ShowWriter Keepalive(ShowWriter writer, PeerSnapshot peer) =>
        peer.PersistentKeepaliveInterval == 0 ? writer.Text("off") : writer.Decimal(peer.PersistentKeepaliveInterval);
}
