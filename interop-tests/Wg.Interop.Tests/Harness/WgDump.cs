// Parsed `wg show <if> dump`: the interface line (private-key, public-key, listen-port, fwmark) and
// one WgDumpPeer per further line. "(none)" and "off" become null.
using System.Globalization;
using System.Net;

namespace WgSharp.Interop.Tests.Harness;

internal sealed record WgDump(
    string? PrivateKey,
    string? PublicKey,
    int ListenPort,
    uint? FwMark,
    IReadOnlyList<WgDumpPeer> Peers,
    string Raw)
{
    public static WgDump Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            throw new FormatException("empty wg dump");
        }

        var head = Fields(lines[0], 4);
        var peers = new List<WgDumpPeer>(lines.Length - 1);
        foreach (var line in lines.Skip(1))
        {
            var f = Fields(line, 8);
            peers.Add(new WgDumpPeer(
                f[0],
                NoneToNull(f[1]),
                NoneToNull(f[2]) is { } endpoint ? IPEndPoint.Parse(endpoint) : null,
                NoneToNull(f[3]) is { } ips ? [.. ips.Split(',').Select(IpPrefix.Parse)] : [],
                long.Parse(f[4], CultureInfo.InvariantCulture),
                long.Parse(f[5], CultureInfo.InvariantCulture),
                long.Parse(f[6], CultureInfo.InvariantCulture),
                f[7] == "off" ? null : int.Parse(f[7], CultureInfo.InvariantCulture)));
        }

        return new WgDump(
            NoneToNull(head[0]),
            NoneToNull(head[1]),
            int.Parse(head[2], CultureInfo.InvariantCulture),
            head[3] == "off" ? null : ParseMark(head[3]),
            peers,
            text);
    }

    public WgDumpPeer Peer(string publicKey) =>
        Peers.SingleOrDefault(p => p.PublicKey == publicKey)
        ?? throw new InvalidOperationException($"peer {publicKey} not in dump:\n{Raw}");

    private static string[] Fields(string line, int count)
    {
        var fields = line.Split('\t');
        return fields.Length == count
            ? fields
            : throw new FormatException($"expected {count} tab-separated fields, got {fields.Length}: {line}");
    }

    private static string? NoneToNull(string field) => field == "(none)" ? null : field;

    // wg prints the fwmark in hex with a 0x prefix.
    private static uint ParseMark(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal)
            ? uint.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : uint.Parse(text, CultureInfo.InvariantCulture);
}
