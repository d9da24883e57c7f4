// Writes a DeviceUpdate as the body of a UAPI `set=1` request, in the order wg's ipc-uapi.h uses
// (device keys, then per peer: public_key, then remove=true alone, or the peer's settings).
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Uapi;

internal static class UapiSetWriter
{
    /// <summary>Appends one line per setting (without "set=1" and without the final blank line).</summary>
    public static void Write(DeviceUpdate update, SecretBuffer output)
    {
        if (update.PrivateKey is { } privateKey)
        {
            SecretLine(output, "private_key=", privateKey);
        }

        if (update.ListenPort is { } port)
        {
            Line(output, $"listen_port={port}");
        }

        if (update.FirewallMark is { } mark)
        {
            Line(output, $"fwmark={mark}");
        }

        if (update.ReplacePeers)
        {
            Line(output, "replace_peers=true");
        }

        foreach (PeerUpdate peer in update.Peers)
        {
            Line(output, "public_key=" + peer.PublicKey.ToHex());
            if (peer.Remove)
            {
                Line(output, "remove=true");
                continue;
            }

            if (peer.UpdateOnly)
            {
                Line(output, "update_only=true");
            }

            if (peer.ProtocolVersion is { } version)
            {
                Line(output, $"protocol_version={version}");
            }

            if (peer.PresharedKey is { } presharedKey)
            {
                SecretLine(output, "preshared_key=", presharedKey);
            }

            if (peer.Endpoint is { } endpoint)
            {
                Line(output, "endpoint=" + IpText.Format(endpoint));
            }

            if (peer.PersistentKeepaliveInterval is { } interval)
            {
                Line(output, $"persistent_keepalive_interval={interval}");
            }

            if (peer.ReplaceAllowedIps)
            {
                Line(output, "replace_allowed_ips=true");
            }

            foreach (AllowedIpChange change in peer.AllowedIpChanges)
            {
                Line(output, (change.Remove ? "allowed_ip=-" : "allowed_ip=") + IpText.Format(change.Network));
            }
        }
    }

    private static void Line(SecretBuffer output, string line)
    {
        output.WriteAscii(line);
        output.WriteByte((byte)'\n');
    }

    // Only the hex text of a key is public API to this assembly (see UapiGetWriter).
    private static void SecretLine(SecretBuffer output, string prefix, SecretKey key)
    {
        output.WriteAscii(prefix);
        output.WriteAscii(key.ExportHex());
        output.WriteByte((byte)'\n');
    }
}
