// A wg(8) configuration file (not wg-quick's): rendered for `wg setconf`, parsed from `wg showconf`.
using System.Globalization;
using System.Net;
using System.Text;

namespace WgSharp.Interop.Tests.Harness;

internal sealed record WgConfig(string? PrivateKey, int? ListenPort, IReadOnlyList<WgConfigPeer> Peers)
{
    public string Render()
    {
        var text = new StringBuilder("[Interface]\n");
        if (PrivateKey is not null)
        {
            text.Append("PrivateKey = ").Append(PrivateKey).Append('\n');
        }

        if (ListenPort is { } port)
        {
            text.Append(CultureInfo.InvariantCulture, $"ListenPort = {port}\n");
        }

        foreach (var peer in Peers)
        {
            text.Append("\n[Peer]\nPublicKey = ").Append(peer.PublicKey).Append('\n');
            if (peer.PresharedKey is not null)
            {
                text.Append("PresharedKey = ").Append(peer.PresharedKey).Append('\n');
            }

            if (peer.Endpoint is not null)
            {
                text.Append("Endpoint = ").Append(peer.Endpoint).Append('\n');
            }

            if (peer.PersistentKeepalive is { } keepalive)
            {
                text.Append(CultureInfo.InvariantCulture, $"PersistentKeepalive = {keepalive}\n");
            }

            if (peer.AllowedIps.Count > 0)
            {
                text.Append("AllowedIPs = ").AppendJoin(", ", peer.AllowedIps).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Parses `wg showconf` output; repeated AllowedIPs lines accumulate, as wg(8) allows.</summary>
    public static WgConfig Parse(string text)
    {
        string? privateKey = null;
        int? listenPort = null;
        var peers = new List<WgConfigPeer>();
        WgConfigPeer? current = null;
        var section = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Split('#', 2)[0].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('['))
            {
                Flush();
                section = line;
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                throw new FormatException($"not a key = value line: {raw}");
            }

            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            switch (section, key.ToLowerInvariant())
            {
                case ("[Interface]", "privatekey"):
                    privateKey = value;
                    break;
                case ("[Interface]", "listenport"):
                    listenPort = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case ("[Interface]", _):
                    break;
                case ("[Peer]", "publickey"):
                    current = new WgConfigPeer(value, null, null, [], null);
                    break;
                case ("[Peer]", "presharedkey"):
                    current = Current() with { PresharedKey = value };
                    break;
                case ("[Peer]", "endpoint"):
                    current = Current() with { Endpoint = IPEndPoint.Parse(value) };
                    break;
                case ("[Peer]", "persistentkeepalive"):
                    current = Current() with { PersistentKeepalive = value == "off" ? null : int.Parse(value, CultureInfo.InvariantCulture) };
                    break;
                case ("[Peer]", "allowedips"):
                    current = Current() with
                    {
                        AllowedIps = [.. Current().AllowedIps, .. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(IpPrefix.Parse)],
                    };
                    break;
                default:
                    throw new FormatException($"unexpected key {key} in section {section}");
            }
        }

        Flush();
        return new WgConfig(privateKey, listenPort, peers);

        WgConfigPeer Current() => current ?? throw new FormatException("peer key before PublicKey");

        void Flush()
        {
            if (current is not null)
            {
                peers.Add(current);
                current = null;
            }
        }
    }
}
