// Writes a RouterConfiguration in the line format of the wgsharp UAPI extension (version 1): the body
// of a `wgsharp-set=1` request and the first part of a `wgsharp-get=1` reply. RouterConfigurationParser
// reads it back; the format is described there.
using System.Globalization;
using System.Net;
using System.Text;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Uapi;

internal static class RouterConfigurationWriter
{
    /// <summary>Appends one "key=value\n" line per item, starting with version=1 (no blank line).</summary>
    public static void Write(RouterConfiguration configuration, StringBuilder output)
    {
        Line(output, "version", RouterConfigurationParser.Version.ToString(CultureInfo.InvariantCulture));
        Line(output, "mss_clamp", configuration.MssClamp switch
        {
            0 => "off",
            RouterConfiguration.MssClampAuto => "auto",
            int bytes => bytes.ToString(CultureInfo.InvariantCulture),
        });
        if (configuration.ConntrackPerPeer is { } share)
        {
            Line(output, "conntrack_per_peer", share.ToString());
        }

        if (configuration.Relay != RouterRelay.Kernel)
        {
            Line(output, "relay", Configuration.RelayText.Format(configuration.Relay));
        }

        if (configuration.WhenUpRouteTable is { } table)
        {
            Line(output, "when_up_table", table.ToString(CultureInfo.InvariantCulture));
        }

        foreach (IPAddress address in configuration.InterfaceAddresses)
        {
            Line(output, "address", IpText.Format(address));
        }

        foreach (RouterPeerOptions peer in configuration.Peers)
        {
            Line(output, "public_key", peer.PublicKey.ToHex());
            if (peer.Name is { } name)
            {
                Line(output, "name", PercentText.Encode(name));
            }

            Line(output, "inbound", peer.InboundEstablishedOnly ? "established" : "any");
            Line(output, "routes", peer.RoutesWhenUp ? "when-up" : "always");
        }

        foreach (RouterRule rule in configuration.Rules)
        {
            WriteRule(rule, output);
        }

        foreach (RouterForward forward in configuration.Forwards)
        {
            Line(output, "forward", forward.Line.ToString(CultureInfo.InvariantCulture));
            Line(output, "protocol", forward.Protocol.ToString(CultureInfo.InvariantCulture));
            Line(output, "port", Range(forward.Port));
            Line(output, "to", IpText.Format(forward.To));
            if (forward.ToPort is { } toPort)
            {
                Line(output, "to_port", toPort.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>"0x200/0xff00": value and mask, lower-case hex.</summary>
    public static string Mark(RouterMark mark) =>
        $"0x{mark.Value.ToString("x", CultureInfo.InvariantCulture)}/0x{mark.Mask.ToString("x", CultureInfo.InvariantCulture)}";

    /// <summary>"25-25" or "8000-8100": always both ends.</summary>
    public static string Range(RouterPortRange range) => $"{range.First}-{range.Last}";

    public static string ActionName(RouterRuleAction action) => action switch
    {
        RouterRuleAction.Route => "route",
        RouterRuleAction.Accept => "accept",
        RouterRuleAction.Drop => "drop",
        RouterRuleAction.Reject => "reject",
        RouterRuleAction.SetMark => "set_mark",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "not a rule action"),
    };

    private static void WriteRule(RouterRule rule, StringBuilder output)
    {
        Line(output, "rule", rule.Line.ToString(CultureInfo.InvariantCulture));
        if (rule.Priority is { } priority)
        {
            Line(output, "priority", priority.ToString(CultureInfo.InvariantCulture));
        }

        foreach (RouterPrefix prefix in rule.From)
        {
            Line(output, "from", Prefix(prefix));
        }

        foreach (RouterPrefix prefix in rule.To)
        {
            Line(output, "to", Prefix(prefix));
        }

        if (rule.Protocol is { } protocol)
        {
            Line(output, "protocol", protocol.ToString(CultureInfo.InvariantCulture));
        }

        if (rule.Port is { } port)
        {
            Line(output, "port", Range(port));
        }

        if (rule.SourcePort is { } sourcePort)
        {
            Line(output, "source_port", Range(sourcePort));
        }

        if (rule.Input is { } input)
        {
            Line(output, "input", input.ToHex());
        }

        if (rule.Mark is { } mark)
        {
            Line(output, "mark", Mark(mark));
        }

        if (rule.State != RouterRuleStates.None)
        {
            Line(output, "state", RouterRuleStatesText.Format(rule.State));
        }

        if (rule.Peer is { } peer)
        {
            Line(output, "peer", peer.ToHex());
        }

        Line(output, "action", ActionName(rule.Action));
        if (rule.Masquerade)
        {
            Line(output, "masquerade", "true");
        }

        if (rule.SetMark is { } setMark)
        {
            Line(output, "set_mark", Mark(setMark));
        }
    }

    private static string Prefix(RouterPrefix prefix) => (prefix.Negated ? "!" : "") + IpText.Format(prefix.Prefix);

    private static void Line(StringBuilder output, string key, string value) => output.Append(key).Append('=').Append(value).Append('\n');
}
