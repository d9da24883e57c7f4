// Turns the lines of a UAPI `set=1` request into a DeviceUpdate, validating everything before
// anything is applied. Errors carry the errno wireguard-go answers with (device/uapi.go): -EPROTO for
// a line without '=', -EINVAL for an unknown key or a bad value.
using System.Net;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Uapi;

internal sealed class UapiSetParser : IDisposable
{
    private DeviceUpdate? _update = new();
    private PeerUpdate? _peer; // null while still in the device section
    private int _lineNumber;

    /// <summary>0 while every line so far was valid; otherwise the negative errno of the first bad line.</summary>
    public int Errno { get; private set; }

    /// <summary>Why the first bad line was refused; never contains a value that could be a key.</summary>
    public string? ErrorMessage { get; private set; }

    /// <summary>Parses a whole request body (lines without the `set=1` line and without the final blank line).</summary>
    /// <exception cref="ConfigurationException">A line is malformed or has an invalid value.</exception>
    public static DeviceUpdate Parse(IEnumerable<string> lines)
    {
        using var parser = new UapiSetParser();
        foreach (string line in lines)
        {
            if (!parser.AddLine(line))
            {
                throw new ConfigurationException(parser.Errno, parser.ErrorMessage!);
            }
        }

        return parser.TakeUpdate();
    }

    /// <summary>Adds one line (no '\n'). Returns false once any line has failed; later lines are ignored.</summary>
    public bool AddLine(ReadOnlySpan<char> line)
    {
        if (Errno != 0)
        {
            return false;
        }

        ObjectDisposedException.ThrowIf(_update is null, this);
        _lineNumber++; // counted from the line after set=1
        if (!UapiSyntax.TrySplit(line, out ReadOnlySpan<char> key, out ReadOnlySpan<char> value))
        {
            return Fail(ConfigurationErrno.ProtocolError, "is not key=value");
        }

        if (key.SequenceEqual("public_key"))
        {
            if (!PublicKey.TryParseHex(value, out PublicKey publicKey))
            {
                return Fail(ConfigurationErrno.InvalidArgument, "public_key is not 64 hex digits");
            }

            _peer = new PeerUpdate(publicKey);
            _update.Peers.Add(_peer);
            return true;
        }

        return _peer is null ? DeviceLine(_update, key, value) : PeerLine(_peer, key, value);
    }

    /// <summary>The update built from every line; the caller owns (and disposes) it.</summary>
    public DeviceUpdate TakeUpdate()
    {
        if (Errno != 0)
        {
            throw new InvalidOperationException("The request had an invalid line; there is no update to take.");
        }

        DeviceUpdate update = _update ?? throw new ObjectDisposedException(nameof(UapiSetParser));
        _update = null;
        _peer = null;
        return update;
    }

    public void Dispose()
    {
        _update?.Dispose();
        _update = null;
        _peer = null;
    }

    private bool DeviceLine(DeviceUpdate update, ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        switch (key)
        {
            case "private_key":
                if (!PrivateKey.TryParseHex(value, out PrivateKey? privateKey))
                {
                    return Fail(ConfigurationErrno.InvalidArgument, "private_key is not 64 hex digits");
                }

                update.PrivateKey = privateKey;
                return true;

            case "listen_port":
                if (!UapiSyntax.TryParseDecimal(value, ushort.MaxValue, out ulong port))
                {
                    return Fail(ConfigurationErrno.InvalidArgument, $"listen_port '{UapiSyntax.Printable(value)}' is not a port number");
                }

                update.ListenPort = (ushort)port;
                return true;

            case "fwmark":
                if (!UapiSyntax.TryParseDecimal(value, uint.MaxValue, out ulong mark))
                {
                    return Fail(ConfigurationErrno.InvalidArgument, $"fwmark '{UapiSyntax.Printable(value)}' is not a 32-bit number");
                }

                update.FirewallMark = (uint)mark;
                return true;

            case "replace_peers":
                if (!value.SequenceEqual("true"))
                {
                    return Fail(ConfigurationErrno.InvalidArgument, "replace_peers must be true");
                }

                update.ReplacePeers = true;
                return true;

            default:
                return Fail(ConfigurationErrno.InvalidArgument, $"'{UapiSyntax.Printable(key)}' is not a device key");
        }
    }

    private bool PeerLine(PeerUpdate peer, ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        switch (key)
        {
            case "update_only":
                if (!value.SequenceEqual("true"))
                {
                    return Fail(ConfigurationErrno.InvalidArgument, "update_only must be true");
                }

                peer.UpdateOnly = true;
                return true;

            case "remove":
                if (!value.SequenceEqual("true"))
                {
                    return Fail(ConfigurationErrno.InvalidArgument, "remove must be true");
                }

                peer.Remove = true;
                return true;

            case "preshared_key":
                if (!PresharedKey.TryParseHex(value, out PresharedKey? presharedKey))
                {
                    return Fail(ConfigurationErrno.InvalidArgument, "preshared_key is not 64 hex digits");
                }

                peer.PresharedKey = presharedKey;
                return true;

            case "endpoint":
                if (!IpText.TryParseEndpoint(value, out IPEndPoint endpoint))
                {
                    return Fail(ConfigurationErrno.InvalidArgument, $"endpoint '{UapiSyntax.Printable(value)}' is not ip:port or [ipv6]:port");
                }

                peer.Endpoint = endpoint;
                return true;

            case "persistent_keepalive_interval":
                if (!UapiSyntax.TryParseDecimal(value, ushort.MaxValue, out ulong seconds))
                {
                    return Fail(ConfigurationErrno.InvalidArgument, $"persistent_keepalive_interval '{UapiSyntax.Printable(value)}' is not 0-65535");
                }

                peer.PersistentKeepaliveInterval = (ushort)seconds;
                return true;

            case "replace_allowed_ips":
                if (!value.SequenceEqual("true"))
                {
                    return Fail(ConfigurationErrno.InvalidArgument, "replace_allowed_ips must be true");
                }

                // Everything listed so far is replaced too: the device applies the list after the wipe.
                peer.ReplaceAllowedIps = true;
                peer.AllowedIpChanges.Clear();
                return true;

            case "allowed_ip":
                bool remove = value.StartsWith('-');
                if (!IpText.TryParsePrefix(remove ? value[1..] : value, out IPNetwork network))
                {
                    return Fail(ConfigurationErrno.InvalidArgument, $"allowed_ip '{UapiSyntax.Printable(value)}' is not a prefix");
                }

                peer.AllowedIpChanges.Add(new AllowedIpChange(network, remove));
                return true;

            case "protocol_version":
                if (!value.SequenceEqual("1"))
                {
                    return Fail(ConfigurationErrno.InvalidArgument, $"protocol_version '{UapiSyntax.Printable(value)}' is not supported");
                }

                peer.ProtocolVersion = 1;
                return true;

            default:
                return Fail(ConfigurationErrno.InvalidArgument, $"'{UapiSyntax.Printable(key)}' is not a peer key");
        }
    }

    private bool Fail(int errno, string message)
    {
        Errno = errno;
        ErrorMessage = $"line {_lineNumber}: {message}";
        _update?.Dispose(); // the keys parsed so far are of no further use
        _update = null;
        _peer = null;
        return false;
    }
}
