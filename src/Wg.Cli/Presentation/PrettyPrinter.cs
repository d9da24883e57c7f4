// The readable form of `show`, byte for byte what wg's show.c prints (colors included): the interface
// block, then the peers, most recent handshake first, each in its own block; a peer with a Name (a
// wgsharp daemon's policy) shows it after the key. PolicyPrinter's sections follow.
using System.Globalization;
using System.Net;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Presentation;

internal static class PrettyPrinter
{
    private static readonly (ulong Size, string Unit)[] DurationUnits =
    [
        (365 * 24 * 60 * 60, "year"),
        (24 * 60 * 60, "day"),
        (60 * 60, "hour"),
        (60, "minute"),
        (1, "second"),
    ];

    /// <summary>wg's two sections: the interface, the peers.</summary>
    public static IReadOnlyList<ShowSection> WgSections { get; } = [WriteInterface, WritePeers];

    /// <summary>What `wgsharp show` prints for each interface, in order.</summary>
    public static IReadOnlyList<ShowSection> Sections { get; } = [.. WgSections, .. PolicyPrinter.Sections];

    public static void Write(ShowWriter writer, ShownDevice device, IReadOnlyList<ShowSection>? sections = null)
    {
        writer.StartDocument();
        writer.Style(Ansi.Reset);
        foreach (ShowSection section in sections ?? Sections)
        {
            section(writer, device);
        }
    }

    public static void WriteInterface(ShowWriter writer, ShownDevice device)
    {
        DeviceSnapshot snapshot = device.Snapshot;
        writer.StartBlock().Style(Ansi.Green).Style(Ansi.Bold).Text("interface").Style(Ansi.Reset).Text(": ")
            .Styled(Ansi.Green, device.Name).Text('\n');
        if (snapshot.PrivateKey is { } privateKey)
        {
            Field(writer, "public key").Key(privateKey.ComputePublicKey()).Text('\n');
            Field(writer, "private key").MaskedSecret(privateKey).Text('\n');
        }

        if (snapshot.ListenPort != 0)
        {
            Field(writer, "listening port").Decimal(snapshot.ListenPort).Text('\n');
        }

        if (snapshot.FirewallMark != 0)
        {
            Field(writer, "fwmark").Text(Hex(snapshot.FirewallMark)).Text('\n');
        }
    }

    public static void WritePeers(ShowWriter writer, ShownDevice device)
    {
        foreach (PeerSnapshot peer in SortByHandshake(device.Snapshot.Peers))
        {
            writer.StartBlock().Style(Ansi.Yellow).Style(Ansi.Bold).Text("peer").Style(Ansi.Reset).Text(": ")
                .Style(Ansi.Yellow).Key(peer.PublicKey).Style(Ansi.Reset);
            if (device.PeerName(peer.PublicKey) is { } name)
            {
                writer.Text(" (").Styled(Ansi.Bold, name).Text(")");
            }

            writer.Text('\n');
            if (peer.PresharedKey is { } presharedKey)
            {
                Field(writer, "preshared key").MaskedSecret(presharedKey).Text('\n');
            }

            if (peer.Endpoint is { } endpoint)
            {
                Field(writer, "endpoint").Text(WgText.Endpoint(endpoint)).Text('\n');
            }

            Field(writer, "allowed ips");
            if (peer.AllowedIps.Count == 0)
            {
                writer.Text("(none)");
            }

            for (int i = 0; i < peer.AllowedIps.Count; i++)
            {
                IPNetwork network = peer.AllowedIps[i];
                writer.Text(i > 0 ? ", " : "").Text(WgText.Address(network.BaseAddress)).Styled(Ansi.Cyan, "/")
                    .Decimal((ulong)network.PrefixLength);
            }

            writer.Text('\n');
            long handshake = HandshakeSeconds(peer);
            if (handshake != 0)
            {
                Field(writer, "latest handshake");
                Ago(writer, device.Now.ToUnixTimeSeconds(), handshake);
                writer.Text('\n');
            }

            if (peer.ReceiveBytes != 0 || peer.TransmitBytes != 0)
            {
                Field(writer, "transfer");
                Bytes(writer, peer.ReceiveBytes).Text(" received, ");
                Bytes(writer, peer.TransmitBytes).Text(" sent\n");
            }

            if (peer.PersistentKeepaliveInterval != 0)
            {
                Field(writer, "persistent keepalive").Text("every ");
                Duration(writer, peer.PersistentKeepaliveInterval);
                writer.Text('\n');
            }
        }
    }

    /// <summary>Peers with a handshake first, the most recent first; otherwise in the order given (wg sorts
    /// with glibc's qsort, a stable merge sort).</summary>
    public static IEnumerable<PeerSnapshot> SortByHandshake(IEnumerable<PeerSnapshot> peers) =>
        peers.OrderBy(p => p.LastHandshake is null ? 1 : 0).ThenByDescending(p => p.LastHandshake ?? DateTimeOffset.MinValue);

    /// <summary>The handshake's time_t (what dumps print): 0 when there was none.</summary>
    public static long HandshakeSeconds(PeerSnapshot peer) => peer.LastHandshake?.ToUnixTimeSeconds() ?? 0;

    /// <summary>"0x" and lower-case hex, as printf("0x%x").</summary>
    public static string Hex(uint value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    private static ShowWriter Field(ShowWriter writer, string name) => writer.Text("  ").Styled(Ansi.Bold, name).Text(": ");

    private static void Ago(ShowWriter writer, long now, long then)
    {
        if (now == then)
        {
            writer.Text("Now");
        }
        else if (now < then)
        {
            writer.Text("(").Styled(Ansi.Red, "System clock wound backward; connection problems may ensue.").Text(")");
        }
        else
        {
            Duration(writer, (ulong)(now - then));
            writer.Text(" ago");
        }
    }

    // "1 year, 2 days, 1 hour, 3 minutes, 4 seconds": the units that are not zero (a year is 365 days).
    internal static void Duration(ShowWriter writer, ulong seconds)
    {
        bool first = true;
        foreach ((ulong size, string unit) in DurationUnits)
        {
            ulong count = seconds / size;
            seconds %= size;
            if (count == 0)
            {
                continue;
            }

            writer.Text(first ? "" : ", ").Decimal(count).Text(' ').Styled(Ansi.Cyan, count == 1 ? unit : unit + "s");
            first = false;
        }
    }

    private static ShowWriter Bytes(ShowWriter writer, ulong bytes)
    {
        (string number, string unit) = WgText.Bytes(bytes);
        return writer.Text(number).Text(' ').Styled(Ansi.Cyan, unit);
    }
}
