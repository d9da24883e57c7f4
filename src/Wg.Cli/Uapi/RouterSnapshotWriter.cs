// Writes a RouterSnapshot in the line format of the wgsharp UAPI extension (version 1): the part of a
// `wgsharp-get=1` reply after its configuration and the snapshot=1 line. RouterSnapshotParser reads it
// back; the format is described there.
using System.Globalization;
using System.Text;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Uapi;

internal static class RouterSnapshotWriter
{
    /// <summary>Appends one "key=value\n" line per item (no snapshot=1 line, no errno, no blank line).</summary>
    public static void Write(RouterSnapshot snapshot, StringBuilder output)
    {
        Line(output, "flow_count", Number(snapshot.FlowCount));
        Line(output, "flow_capacity", Number(snapshot.FlowCapacity));
        foreach (KeyValuePair<string, ulong> counter in snapshot.Counters)
        {
            if (!RouterSnapshotParser.IsCounterName(counter.Key))
            {
                throw new ArgumentException($"'{UapiSyntax.Printable(counter.Key)}' is not a lower_snake_case counter name", nameof(snapshot));
            }

            Line(output, "counter", $"{counter.Key}:{counter.Value.ToString(CultureInfo.InvariantCulture)}");
        }

        foreach (RouterRuleStatus rule in snapshot.Rules)
        {
            Line(output, "rule_status", Number(rule.Line));
            Line(output, "description", PercentText.Encode(rule.Description));
            Line(output, "packets", rule.Packets.ToString(CultureInfo.InvariantCulture));
            Line(output, "bytes", rule.Bytes.ToString(CultureInfo.InvariantCulture));
        }

        foreach (RouterFlow flow in snapshot.Flows)
        {
            Line(output, "flow", Number(flow.Protocol));
            Line(output, "original_source", IpText.Format(flow.OriginalSource));
            Line(output, "original_destination", IpText.Format(flow.OriginalDestination));
            Line(output, "reply_source", IpText.Format(flow.ReplySource));
            Line(output, "reply_destination", IpText.Format(flow.ReplyDestination));
            Line(output, "state", PercentText.Encode(flow.State));
            if (flow.Peer is { } peer)
            {
                Line(output, "peer", peer.ToHex());
            }

            Line(output, "assured", flow.Assured ? "true" : "false");
            long milliseconds = Math.Max(0, (long)flow.ExpiresIn.TotalMilliseconds);
            Line(output, "expires_ms", milliseconds.ToString(CultureInfo.InvariantCulture));
        }

        foreach (KeyValuePair<PublicKey, bool> peer in snapshot.WhenUpPeers)
        {
            Line(output, "when_up_peer", peer.Key.ToHex());
            Line(output, "live", peer.Value ? "true" : "false");
        }
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Line(StringBuilder output, string key, string value) => output.Append(key).Append('=').Append(value).Append('\n');
}
