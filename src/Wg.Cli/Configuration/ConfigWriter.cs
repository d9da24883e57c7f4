// Writes an InterfaceConfig back as a configuration file (the reverse of ConfigParser): every key that
// differs from its default, one section after another, in a fixed order. The output contains the
// private and preshared keys in base64: it is a secret, written with mode 0600 by whoever saves it.
using System.Text;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Configuration;

internal static class ConfigWriter
{
    public static string Write(InterfaceConfig config)
    {
        var text = new StringBuilder();
        text.Append("[Interface]\n");
        if (config.PrivateKey is { } privateKey)
        {
            Key(text, "PrivateKey", privateKey.ExportBase64());
        }

        Optional(text, "ListenPort", config.ListenPort?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Optional(text, "FwMark", config.FirewallMark is { } mark ? (mark == 0 ? "off" : "0x" + mark.ToString("x", System.Globalization.CultureInfo.InvariantCulture)) : null);
        List(text, "Address", config.Addresses.Select(a => a.ToNetipString()));
        List(text, "DNS", config.DnsServers.Select(IpText.Format).Concat(config.DnsSearch));
        Optional(text, "MTU", config.Mtu?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Optional(text, "Table", config.Table.Mode == RouteTableMode.Auto ? null : config.Table.Text);
        Each(text, "PreUp", config.PreUp);
        Each(text, "PostUp", config.PostUp);
        Each(text, "PreDown", config.PreDown);
        Each(text, "PostDown", config.PostDown);
        Optional(text, "SaveConfig", config.SaveConfig ? "true" : null);
        Optional(text, "MssClamp", config.MssClamp.Mode == MssClampMode.Off ? null : config.MssClamp.ToString());
        Optional(text, "ConntrackPerPeer", config.ConntrackPerPeer?.ToString());
        Optional(text, "Relay", config.Relay is { } relay ? RelayText.Format(relay) : null);
        Optional(text, "User", config.User);

        foreach (PeerConfig peer in config.Peers)
        {
            text.Append("\n[Peer]\n");
            Optional(text, "Name", peer.Name);
            Key(text, "PublicKey", peer.PublicKey.ToBase64());
            if (peer.PresharedKey is { } presharedKey)
            {
                Key(text, "PresharedKey", presharedKey.ExportBase64());
            }

            List(text, "AllowedIPs", peer.AllowedIps.Select(IpText.Format));
            Optional(text, "Endpoint", peer.Endpoint?.ToString());
            Optional(text, "PersistentKeepalive", peer.PersistentKeepalive is { } seconds ? (seconds == 0 ? "off" : $"{seconds}") : null);
            Optional(text, "Inbound", peer.Inbound == InboundPolicy.Established ? "established" : null);
            Optional(text, "Routes", peer.Routes == RoutesPolicy.WhenUp ? "when-up" : null);
        }

        foreach (RuleConfig rule in config.Rules)
        {
            text.Append("\n[Rule]\n");
            List(text, "From", rule.From.Select(s => s.ToString()));
            List(text, "To", rule.To.Select(s => s.ToString()));
            Optional(text, "Protocol", rule.Protocol is { } protocol ? IpProtocols.Format(protocol) : null);
            Optional(text, "Port", rule.Port?.ToString());
            Optional(text, "SourcePort", rule.SourcePort?.ToString());
            Optional(text, "Input", rule.Input);
            Optional(text, "Mark", rule.Mark?.ToString());
            Optional(text, "State", rule.State == RouterRuleStates.None ? null : RouterRuleStatesText.Format(rule.State));
            Optional(text, "Peer", rule.Peer);
            Optional(text, "Action", rule.Action == RouterRuleAction.Route ? null : PolicyGrammar.ActionName(rule.Action));
            Optional(text, "Masquerade", rule.Masquerade ? "yes" : null);
            Optional(text, "SetMark", rule.SetMark?.ToString());
            Optional(text, "Priority", rule.Priority?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (ForwardConfig forward in config.Forwards)
        {
            text.Append("\n[Forward]\n");
            Key(text, "Protocol", IpProtocols.Format(forward.Protocol));
            Key(text, "Port", forward.Port.ToString());
            Key(text, "To", forward.FormatTo());
        }

        return text.ToString();
    }

    private static void Key(StringBuilder text, string key, string value) =>
        text.Append(key).Append(" = ").Append(value).Append('\n');

    private static void Optional(StringBuilder text, string key, string? value)
    {
        if (value is not null)
        {
            Key(text, key, value);
        }
    }

    private static void List(StringBuilder text, string key, IEnumerable<string> values)
    {
        string joined = string.Join(", ", values);
        if (joined.Length > 0)
        {
            Key(text, key, joined);
        }
    }

    private static void Each(StringBuilder text, string key, List<string> values)
    {
        foreach (string value in values)
        {
            Key(text, key, value);
        }
    }
}
