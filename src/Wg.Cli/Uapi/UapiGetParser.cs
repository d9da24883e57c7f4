// Reads the lines of a UAPI `get=1` reply back into a DeviceSnapshot (the client side of
// UapiGetWriter). Unknown keys are skipped, as wg skips them, so newer daemons stay readable.
using System.Net;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Uapi;

internal sealed class UapiGetParser : IDisposable
{
    private readonly List<PeerSnapshot> _peers = [];
    private PrivateKey? _privateKey;
    private ushort _listenPort;
    private uint _firewallMark;
    private PeerFields? _peer;

    /// <summary>The errno the reply ended with; null until the errno line has been read.</summary>
    public int? Errno { get; private set; }

    /// <summary>Adds one reply line (no '\n').</summary>
    /// <exception cref="ConfigurationException">-EPROTO: the line is malformed.</exception>
    public void AddLine(ReadOnlySpan<char> line)
    {
        if (!UapiSyntax.TrySplit(line, out ReadOnlySpan<char> key, out ReadOnlySpan<char> value))
        {
            throw Malformed("a reply line is not key=value");
        }

        switch (key)
        {
            case "errno":
                bool negative = value.StartsWith('-');
                if (!UapiSyntax.TryParseDecimal(negative ? value[1..] : value, int.MaxValue, out ulong errno))
                {
                    throw Malformed("errno is not a number");
                }

                // wireguard-go sends negative numbers; accept a positive one as the same error.
                Errno = -(int)errno;
                return;
            case "public_key":
                FinishPeer();
                _peer = new PeerFields { PublicKey = ParsePublicKey(value) };
                return;
        }

        if (_peer is null)
        {
            DeviceLine(key, value);
        }
        else
        {
            PeerLine(_peer, key, value);
        }
    }

    /// <summary>The snapshot read so far; the caller owns it.</summary>
    public DeviceSnapshot TakeSnapshot()
    {
        FinishPeer();
        var snapshot = new DeviceSnapshot
        {
            PrivateKey = _privateKey,
            ListenPort = _listenPort,
            FirewallMark = _firewallMark,
            Peers = [.. _peers],
        };
        _privateKey = null;
        _peers.Clear();
        return snapshot;
    }

    public void Dispose()
    {
        _privateKey?.Dispose();
        _privateKey = null;
        _peer?.PresharedKey?.Dispose();
        _peer = null;
        foreach (PeerSnapshot peer in _peers)
        {
            peer.Dispose();
        }

        _peers.Clear();
    }

    private void DeviceLine(ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        switch (key)
        {
            case "private_key":
                if (!PrivateKey.TryParseHex(value, out PrivateKey? privateKey))
                {
                    throw Malformed("private_key is not 64 hex digits");
                }

                _privateKey?.Dispose();
                _privateKey = privateKey;
                break;
            case "listen_port":
                _listenPort = (ushort)Number(value, ushort.MaxValue, "listen_port");
                break;
            case "fwmark":
                _firewallMark = (uint)Number(value, uint.MaxValue, "fwmark");
                break;
        }
    }

    private static void PeerLine(PeerFields peer, ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        switch (key)
        {
            case "preshared_key":
                if (!PresharedKey.TryParseHex(value, out PresharedKey? presharedKey))
                {
                    throw Malformed("preshared_key is not 64 hex digits");
                }

                peer.PresharedKey?.Dispose();
                if (presharedKey!.IsZero)
                {
                    presharedKey.Dispose();
                    presharedKey = null;
                }

                peer.PresharedKey = presharedKey;
                break;
            case "endpoint":
                peer.Endpoint = IpText.TryParseEndpoint(value, out IPEndPoint endpoint) ? endpoint : throw Malformed("endpoint is not ip:port");
                break;
            case "last_handshake_time_sec":
                peer.HandshakeSeconds = Number(value, long.MaxValue, "last_handshake_time_sec");
                break;
            case "last_handshake_time_nsec":
                peer.HandshakeNanoseconds = Number(value, 999_999_999, "last_handshake_time_nsec");
                break;
            case "tx_bytes":
                peer.TransmitBytes = Number(value, ulong.MaxValue, "tx_bytes");
                break;
            case "rx_bytes":
                peer.ReceiveBytes = Number(value, ulong.MaxValue, "rx_bytes");
                break;
            case "persistent_keepalive_interval":
                peer.PersistentKeepaliveInterval = (ushort)Number(value, ushort.MaxValue, "persistent_keepalive_interval");
                break;
            case "allowed_ip":
                peer.AllowedIps.Add(IpText.TryParsePrefix(value, out IPNetwork network) ? network : throw Malformed("allowed_ip is not a prefix"));
                break;
        }
    }

    private void FinishPeer()
    {
        if (_peer is not { } peer)
        {
            return;
        }

        DateTimeOffset? handshake = null;
        if (peer.HandshakeSeconds != 0 || peer.HandshakeNanoseconds != 0)
        {
            // Beyond DateTimeOffset's range (year 9999) a reply is not plausible; clamp rather than fail.
            ulong maxSeconds = (ulong)(DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).TotalSeconds;
            handshake = DateTimeOffset.UnixEpoch
                + TimeSpan.FromSeconds(Math.Min(peer.HandshakeSeconds, maxSeconds - 1))
                + TimeSpan.FromTicks((long)(peer.HandshakeNanoseconds / 100));
        }

        _peers.Add(new PeerSnapshot
        {
            PublicKey = peer.PublicKey,
            PresharedKey = peer.PresharedKey,
            Endpoint = peer.Endpoint,
            LastHandshake = handshake,
            TransmitBytes = peer.TransmitBytes,
            ReceiveBytes = peer.ReceiveBytes,
            PersistentKeepaliveInterval = peer.PersistentKeepaliveInterval,
            AllowedIps = peer.AllowedIps,
        });
        _peer = null;
    }

    private static PublicKey ParsePublicKey(ReadOnlySpan<char> value) =>
        PublicKey.TryParseHex(value, out PublicKey key) ? key : throw Malformed("public_key is not 64 hex digits");

    private static ulong Number(ReadOnlySpan<char> value, ulong max, string key) =>
        UapiSyntax.TryParseDecimal(value, max, out ulong number) ? number : throw Malformed($"{key} is not a number in range");

    private static ConfigurationException Malformed(string message) =>
        new(ConfigurationErrno.ProtocolError, "malformed get reply: " + message);

    private sealed class PeerFields
    {
        public PublicKey PublicKey;
        public PresharedKey? PresharedKey;
        public IPEndPoint? Endpoint;
        public ulong HandshakeSeconds;
        public ulong HandshakeNanoseconds;
        public ulong TransmitBytes;
        public ulong ReceiveBytes;
        public ushort PersistentKeepaliveInterval;
        public readonly List<IPNetwork> AllowedIps = [];
    }
}
