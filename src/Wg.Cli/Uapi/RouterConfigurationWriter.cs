// Writes a RouterConfiguration in the line format of the wgsharp UAPI extension (version 1): the body
// of a `wgsharp-set=1` request and the first part of a `wgsharp-get=1` reply. RouterConfigurationParser
// reads it back; the format is described there.
using System.Globalization;
using System.Net;
using System.Text;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

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
            PolicyGrammar.WriteCanonicalRule(rule, output);
        }

        foreach (RouterForward forward in configuration.Forwards)
        {
            PolicyGrammar.WriteCanonicalForward(forward, output);
        }
    }

    private static void Line(StringBuilder output, string key, string value) => output.Append(key).Append('=').Append(value).Append('\n');
}
