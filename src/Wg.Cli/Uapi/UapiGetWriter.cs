// Writes a DeviceSnapshot as the body of a UAPI `get=1` reply, in wireguard-go's order and format
// (device/uapi.go IpcGetOperation): device keys (each only when set), then per peer public_key,
// preshared_key, protocol_version, endpoint, handshake time, counters, keepalive, allowed IPs.
using System.Text;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Uapi;

internal static class UapiGetWriter
{
    private static ReadOnlySpan<byte> ZeroKey => new byte[PublicKey.Size];

    /// <summary>Appends the reply body (without the final errno line) to <paramref name="output"/>.</summary>
    public static void Write(DeviceSnapshot snapshot, SecretBuffer output)
    {
        if (snapshot.PrivateKey is { IsZero: false } privateKey)
        {
            SecretKeyHex(output, "private_key="u8, privateKey);
        }

        if (snapshot.ListenPort != 0)
        {
            Number(output, "listen_port="u8, snapshot.ListenPort);
        }

        if (snapshot.FirewallMark != 0)
        {
            Number(output, "fwmark="u8, snapshot.FirewallMark);
        }

        foreach (PeerSnapshot peer in snapshot.Peers)
        {
            Key(output, "public_key="u8, peer.PublicKey.AsSpan());
            if (peer.PresharedKey is { IsZero: false } presharedKey)
            {
                SecretKeyHex(output, "preshared_key="u8, presharedKey);
            }
            else
            {
                Key(output, "preshared_key="u8, ZeroKey);
            }

            output.Write("protocol_version=1\n"u8);
            if (peer.Endpoint is { } endpoint)
            {
                output.Write("endpoint="u8);
                output.WriteAscii(IpText.Format(endpoint));
                output.WriteByte((byte)'\n');
            }

            (ulong seconds, ulong nanoseconds) = UnixTime(peer.LastHandshake);
            Number(output, "last_handshake_time_sec="u8, seconds);
            Number(output, "last_handshake_time_nsec="u8, nanoseconds);
            Number(output, "tx_bytes="u8, peer.TransmitBytes);
            Number(output, "rx_bytes="u8, peer.ReceiveBytes);
            Number(output, "persistent_keepalive_interval="u8, peer.PersistentKeepaliveInterval);
            foreach (System.Net.IPNetwork network in peer.AllowedIps)
            {
                output.Write("allowed_ip="u8);
                output.WriteAscii(IpText.Format(network));
                output.WriteByte((byte)'\n');
            }
        }
    }

    /// <summary>The reply body as text. It contains the private key: for tests and diagnostics only.</summary>
    public static string Format(DeviceSnapshot snapshot)
    {
        using var buffer = new SecretBuffer();
        Write(snapshot, buffer);
        return Encoding.ASCII.GetString(buffer.WrittenSpan);
    }

    /// <summary>Seconds and nanoseconds since the Unix epoch; (0, 0) for "never".</summary>
    public static (ulong Seconds, ulong Nanoseconds) UnixTime(DateTimeOffset? time)
    {
        if (time is not { } value || value <= DateTimeOffset.UnixEpoch)
        {
            return (0, 0);
        }

        long ticks = (value - DateTimeOffset.UnixEpoch).Ticks;
        return ((ulong)(ticks / TimeSpan.TicksPerSecond), (ulong)(ticks % TimeSpan.TicksPerSecond * 100));
    }

    private static void Key(SecretBuffer output, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> key)
    {
        output.Write(prefix);
        output.WriteHex(key);
        output.WriteByte((byte)'\n');
    }

    // The assembly is named wgsharp, and Wg.Noise grants its internals (SecretKey.Bytes) to "Wg.Cli"
    // only, so the key can be had only as text; the string is dropped at once.
    private static void SecretKeyHex(SecretBuffer output, ReadOnlySpan<byte> prefix, SecretKey key)
    {
        output.Write(prefix);
        output.WriteAscii(key.ExportHex());
        output.WriteByte((byte)'\n');
    }

    private static void Number(SecretBuffer output, ReadOnlySpan<byte> prefix, ulong value)
    {
        output.Write(prefix);
        output.WriteDecimal(value);
        output.WriteByte((byte)'\n');
    }
}
