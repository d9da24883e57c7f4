// WgSharp's additions to `show`: after wg's peer blocks, the policy router's rules with hit counters,
// tracked flows with their NAT, non-zero drop counters and the state of when-up peers (readable form);
// and the tab-separated `rules`, `conntrack` and `drops` views for scripts. Text that comes from the
// daemon is printed with control characters replaced, so a reply cannot drive the terminal.
using System.Globalization;
using WgSharp.Cli.Configuration;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Presentation;

internal static class PolicyPrinter
{
    /// <summary>Flows the readable form lists; the `conntrack` view lists up to UapiServer.MaxFlowsPerReply.</summary>
    public const int ReadableFlows = 50;

    private const string ConntrackPrefix = "conntrack_";

    /// <summary>The readable sections, in order; each prints nothing unless the interface has a policy.</summary>
    public static IReadOnlyList<ShowSection> Sections { get; } = [WriteRelay, WriteRules, WriteConntrack, WriteDrops, WriteWhenUpPeers];

    /// <summary>Where traffic between peers goes when no rule decides (`Relay`).</summary>
    public static void WriteRelay(ShowWriter writer, ShownDevice device)
    {
        if (!device.HasPolicy)
        {
            return;
        }

        Header(writer, "relay").Text(' ').Text(Configuration.RelayText.Format(device.Router!.Configuration.Relay)).Text('\n');
    }

    public static void WriteRules(ShowWriter writer, ShownDevice device)
    {
        if (!device.HasPolicy || device.Router!.Snapshot.Rules.Count == 0)
        {
            return;
        }

        Header(writer, "rules").Text('\n');
        foreach (RouterRuleStatus rule in device.Router.Snapshot.Rules)
        {
            writer.Text("  ").Styled(Ansi.Bold, "line " + rule.Line.ToString(CultureInfo.InvariantCulture)).Text(": ")
                .Text(Printable(rule.Description)).Text('\n');
            writer.Text("    ").Decimal(rule.Packets).Text(' ').Styled(Ansi.Cyan, rule.Packets == 1 ? "packet" : "packets").Text(", ");
            (string number, string unit) = WgText.Bytes(rule.Bytes);
            writer.Text(number).Text(' ').Styled(Ansi.Cyan, unit).Text('\n');
        }
    }

    public static void WriteConntrack(ShowWriter writer, ShownDevice device)
    {
        if (!device.HasPolicy)
        {
            return;
        }

        RouterSnapshot snapshot = device.Router!.Snapshot;
        Header(writer, "conntrack").Text(' ').Decimal((ulong)snapshot.FlowCount).Styled(Ansi.Cyan, "/").Decimal((ulong)snapshot.FlowCapacity)
            .Text(' ').Styled(Ansi.Cyan, "flows").Text('\n');
        foreach (RouterFlow flow in snapshot.Flows)
        {
            writer.Text("  ").Text(IpProtocols.Format(flow.Protocol)).Text(' ')
                .Text(WgText.Endpoint(flow.OriginalSource)).Text(" -> ").Text(WgText.Endpoint(flow.OriginalDestination));
            bool snat = !flow.ReplyDestination.Equals(flow.OriginalSource);
            bool dnat = !flow.ReplySource.Equals(flow.OriginalDestination);
            if (snat || dnat)
            {
                writer.Text(", reply ").Text(WgText.Endpoint(flow.ReplySource)).Text(" -> ").Text(WgText.Endpoint(flow.ReplyDestination))
                    .Text(' ').Styled(Ansi.Yellow, snat && dnat ? "[snat+dnat]" : snat ? "[snat]" : "[dnat]");
            }

            writer.Text(", ").Text(Printable(flow.State));
            if (flow.Assured)
            {
                writer.Text(", assured");
            }

            if (flow.Peer is { } peer)
            {
                writer.Text(", peer ").Text(PeerLabel(device, peer));
            }

            writer.Text(", expires in ");
            long seconds = ExpirySeconds(flow);
            if (seconds == 0)
            {
                writer.Text("0 seconds");
            }
            else
            {
                PrettyPrinter.Duration(writer, (ulong)seconds);
            }

            writer.Text('\n');
        }

        if (snapshot.FlowCount > snapshot.Flows.Count)
        {
            writer.Text("  (").Decimal((ulong)(snapshot.FlowCount - snapshot.Flows.Count)).Text(" more; `wgsharp show ")
                .Text(device.Name).Text(" conntrack` lists them all)\n");
        }

        string conntrackCounters = string.Join(", ", snapshot.Counters
            .Where(c => c.Value != 0 && c.Key.StartsWith(ConntrackPrefix, StringComparison.Ordinal))
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key[ConntrackPrefix.Length..].Replace('_', ' ')} {c.Value}")));
        if (conntrackCounters.Length > 0)
        {
            writer.Text("  ").Styled(Ansi.Bold, "counters").Text(": ").Text(conntrackCounters).Text('\n');
        }
    }

    public static void WriteDrops(ShowWriter writer, ShownDevice device)
    {
        if (!device.HasPolicy)
        {
            return;
        }

        KeyValuePair<string, ulong>[] drops = [.. device.Router!.Snapshot.Counters
            .Where(c => c.Value != 0 && !c.Key.StartsWith(ConntrackPrefix, StringComparison.Ordinal))];
        Header(writer, "drops");
        if (drops.Length == 0)
        {
            writer.Text(" (none)\n");
            return;
        }

        writer.Text('\n');
        foreach ((string name, ulong value) in drops)
        {
            writer.Text("  ").Styled(Ansi.Bold, name).Text(": ").Decimal(value).Text('\n');
        }
    }

    public static void WriteWhenUpPeers(ShowWriter writer, ShownDevice device)
    {
        if (!device.HasPolicy || device.Router!.Snapshot.WhenUpPeers.Count == 0)
        {
            return;
        }

        Header(writer, "when-up peers").Text('\n');
        foreach ((PublicKey key, bool live) in device.Router.Snapshot.WhenUpPeers)
        {
            writer.Text("  ").Styled(Ansi.Bold, PeerLabel(device, key)).Text(": ")
                .Styled(live ? Ansi.Green : Ansi.Red, live ? "live" : "down").Text('\n');
        }
    }

    /// <summary>The tab-separated view: rules (line, packets, bytes, description), conntrack (protocol, original
    /// source, original destination, reply source, reply destination, state, peer, assured, seconds to expiry)
    /// or drops (every counter: name, value). With <paramref name="withInterface"/> each line starts with the name.</summary>
    public static void WriteView(ShowWriter writer, ShownDevice device, PolicyView view, bool withInterface)
    {
        RouterSnapshot snapshot = device.Router?.Snapshot ?? new RouterSnapshot();
        switch (view)
        {
            case PolicyView.Rules:
                foreach (RouterRuleStatus rule in snapshot.Rules)
                {
                    Prefix(writer, device, withInterface).Decimal((ulong)rule.Line).Text('\t').Decimal(rule.Packets).Text('\t')
                        .Decimal(rule.Bytes).Text('\t').Text(Printable(rule.Description)).Text('\n');
                }

                return;

            case PolicyView.Conntrack:
                foreach (RouterFlow flow in snapshot.Flows)
                {
                    Prefix(writer, device, withInterface).Text(IpProtocols.Format(flow.Protocol)).Text('\t')
                        .Text(WgText.Endpoint(flow.OriginalSource)).Text('\t').Text(WgText.Endpoint(flow.OriginalDestination)).Text('\t')
                        .Text(WgText.Endpoint(flow.ReplySource)).Text('\t').Text(WgText.Endpoint(flow.ReplyDestination)).Text('\t')
                        .Text(Printable(flow.State)).Text('\t');
                    if (flow.Peer is { } peer)
                    {
                        writer.Key(peer);
                    }
                    else
                    {
                        writer.Text("(none)");
                    }

                    writer.Text('\t').Text(flow.Assured ? "assured" : "-").Text('\t').Decimal((ulong)ExpirySeconds(flow)).Text('\n');
                }

                return;

            case PolicyView.Drops:
                foreach ((string name, ulong value) in snapshot.Counters)
                {
                    Prefix(writer, device, withInterface).Text(Printable(name)).Text('\t').Decimal(value).Text('\n');
                }

                return;
        }
    }

    /// <summary>The peer's name, or its key in base64.</summary>
    public static string PeerLabel(ShownDevice device, PublicKey key) => device.PeerName(key) ?? key.ToBase64();

    /// <summary><paramref name="text"/> with every control character (C0, DEL, C1) replaced by '?'.</summary>
    public static string Printable(string text) =>
        string.Create(text.Length, text, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                char c = source[i];
                span[i] = char.IsControl(c) ? '?' : c;
            }
        });

    private static long ExpirySeconds(RouterFlow flow) => (long)Math.Ceiling(Math.Max(0, flow.ExpiresIn.TotalSeconds));

    private static ShowWriter Header(ShowWriter writer, string name) =>
        writer.StartBlock().Style(Ansi.Cyan).Style(Ansi.Bold).Text(name).Style(Ansi.Reset).Text(':');

    private static ShowWriter Prefix(ShowWriter writer, ShownDevice device, bool withInterface) =>
        withInterface ? writer.Text(device.Name).Text('\t') : writer;
}
