// The keys of each section and how each value is read: wg's keys (values exactly as `wg setconf`
// takes them), wg-quick's [Interface] keys, and WgSharp's extensions (the policy keys are read in
// ConfigParser.PolicyKeys.cs).
using System.Net;
using WgSharp.Cli.Uapi;
using WgSharp.Noise.Keys;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Configuration;

internal sealed partial class ConfigParser
{
    private enum KeyKind
    {
        /// <summary>Read by wg: white space removed, a value required, the last line wins (or accumulates).</summary>
        Wg,

        /// <summary>Read by wg-quick: trimmed, may be empty.</summary>
        WgQuick,

        /// <summary>WgSharp's: trimmed, a value required; <see cref="KeySpec.Once"/> keys at most once per section.</summary>
        Extension,
    }

    private sealed record KeySpec(string Name, KeyKind Kind, Action<ConfigParser, string, int> Handler, bool Once = true);

    private static readonly ConfigSection[] SectionsWithKeys =
        [ConfigSection.Interface, ConfigSection.Peer, ConfigSection.Rule, ConfigSection.Forward];

    private static readonly Dictionary<ConfigSection, KeySpec[]> Keys = new()
    {
        [ConfigSection.Interface] =
        [
            new("PrivateKey", KeyKind.Wg, static (p, v, l) => p.ReadPrivateKey(v, l)),
            new("ListenPort", KeyKind.Wg, static (p, v, l) => p.ReadListenPort(v, l)),
            new("FwMark", KeyKind.Wg, static (p, v, l) => p.ReadFwMark(v, l)),
            new("Address", KeyKind.WgQuick, static (p, v, l) => p.ReadAddress(v, l)),
            new("DNS", KeyKind.WgQuick, static (p, v, l) => p.ReadDns(v, l)),
            new("MTU", KeyKind.WgQuick, static (p, v, l) => p.ReadMtu(v, l)),
            new("Table", KeyKind.WgQuick, static (p, v, l) => p.ReadTable(v, l)),
            new("PreUp", KeyKind.WgQuick, static (p, v, l) => p.AddHook(p._config.PreUp, v)),
            new("PostUp", KeyKind.WgQuick, static (p, v, l) => p.AddHook(p._config.PostUp, v)),
            new("PreDown", KeyKind.WgQuick, static (p, v, l) => p.AddHook(p._config.PreDown, v)),
            new("PostDown", KeyKind.WgQuick, static (p, v, l) => p.AddHook(p._config.PostDown, v)),
            new("SaveConfig", KeyKind.WgQuick, static (p, v, l) => p.ReadSaveConfig(v, l)),
            new("MssClamp", KeyKind.Extension, static (p, v, l) => p.ReadMssClamp(v, l)),
            new("ConntrackPerPeer", KeyKind.Extension, static (p, v, l) => p.ReadConntrackPerPeer(v, l)),
            new("Relay", KeyKind.Extension, static (p, v, l) => p.ReadRelay(v, l)),
            new("User", KeyKind.Extension, static (p, v, l) => p.ReadUser(v, l)),
        ],
        [ConfigSection.Peer] =
        [
            new("PublicKey", KeyKind.Wg, static (p, v, l) => p.ReadPublicKey(v, l)),
            new("PresharedKey", KeyKind.Wg, static (p, v, l) => p.ReadPresharedKey(v, l)),
            new("AllowedIPs", KeyKind.Wg, static (p, v, l) => p.ReadAllowedIps(v, l)),
            new("Endpoint", KeyKind.Wg, static (p, v, l) => p.ReadEndpoint(v, l)),
            new("PersistentKeepalive", KeyKind.Wg, static (p, v, l) => p.ReadKeepalive(v, l)),
            new("Name", KeyKind.Extension, static (p, v, l) => p.ReadPeerName(v, l)),
            new("Inbound", KeyKind.Extension, static (p, v, l) => p.ReadInbound(v, l)),
            new("Routes", KeyKind.Extension, static (p, v, l) => p.ReadRoutes(v, l)),
        ],
        [ConfigSection.Rule] =
        [
            new("From", KeyKind.Extension, static (p, v, l) => p.ReadSelectors("From", v, l), Once: false),
            new("To", KeyKind.Extension, static (p, v, l) => p.ReadSelectors("To", v, l), Once: false),
            new("Protocol", KeyKind.Extension, static (p, v, l) => p.SetRule(r => r with { Protocol = p.ReadProtocol(v, l) })),
            new("Port", KeyKind.Extension, static (p, v, l) => p.SetRule(r => r with { Port = p.ReadPortRange("Port", v, l) })),
            new("SourcePort", KeyKind.Extension, static (p, v, l) => p.SetRule(r => r with { SourcePort = p.ReadPortRange("SourcePort", v, l) })),
            new("Input", KeyKind.Extension, static (p, v, l) => p.ReadInput(v, l)),
            new("Mark", KeyKind.Extension, static (p, v, l) => p.SetRule(r => r with { Mark = p.ReadMark("Mark", v, l) })),
            new("State", KeyKind.Extension, static (p, v, l) => p.ReadState(v, l)),
            new("Peer", KeyKind.Extension, static (p, v, l) => p._rule!.Peer = p.ReadPeerReference("Peer", v, l)),
            new("Action", KeyKind.Extension, static (p, v, l) => p.ReadAction(v, l)),
            new("Masquerade", KeyKind.Extension, static (p, v, l) => p.ReadMasquerade(v, l)),
            new("SetMark", KeyKind.Extension, static (p, v, l) => p.SetRule(r => r with { SetMark = p.ReadMark("SetMark", v, l) })),
            new("Priority", KeyKind.Extension, static (p, v, l) => p.ReadPriority(v, l)),
        ],
        [ConfigSection.Forward] =
        [
            new("Protocol", KeyKind.Extension, static (p, v, l) => p.ReadForwardProtocol(v, l)),
            new("Port", KeyKind.Extension, static (p, v, l) => p.ReadForwardPort(v, l)),
            new("To", KeyKind.Extension, static (p, v, l) => p.ReadForwardTo(v, l)),
        ],
    };

    private static KeySpec? FindKey(ConfigSection section, string key) =>
        Keys.TryGetValue(section, out KeySpec[]? specs)
            ? Array.Find(specs, s => s.Name.Equals(key, StringComparison.OrdinalIgnoreCase))
            : null;

    // ---- [Interface] ----

    private void ReadPrivateKey(string value, int line)
    {
        if (!KeyText.TryParsePrivateKey(value, out PrivateKey? key))
        {
            Error(line, "PrivateKey: " + KeyText.InvalidKeyMessage);
            _badKey.Add(_config);
            return;
        }

        _config.PrivateKey = key;
    }

    private void ReadListenPort(string value, int line)
    {
        if (ReadNumber("ListenPort", value, 0, ushort.MaxValue, line) is { } port)
        {
            _config.ListenPort = (ushort)port;
        }
    }

    private void ReadFwMark(string value, int line)
    {
        if (!ConfigValues.TryParseFwMark(value, out uint mark))
        {
            Error(line, $"FwMark: {ConfigValues.Quote(value)} is neither off nor a number 0-0xffffffff");
            return;
        }

        _config.FirewallMark = mark;
    }

    private void ReadAddress(string value, int line)
    {
        foreach (string item in ConfigValues.SplitWords(value))
        {
            if (!ConfigValues.TryParseInterfaceAddress(item, out RoutePrefix address))
            {
                Error(line, $"Address: {ConfigValues.Quote(item)} is not a valid address with prefix length (like 10.0.0.2/24)");
            }
            else if (_config.Addresses.Contains(address))
            {
                Error(line, $"Address: {address} is given twice");
            }
            else
            {
                _config.Addresses.Add(address);
            }
        }
    }

    private void ReadDns(string value, int line)
    {
        foreach (string item in ConfigValues.SplitWords(value))
        {
            // wg-quick's own split: all digits and dots, or containing ':', is a server; the rest are
            // search domains.
            if (ConfigValues.LooksNumeric(item) || item.Contains(':'))
            {
                if (IpText.TryParseAddress(item, allowZone: false, out IPAddress server))
                {
                    _config.DnsServers.Add(server);
                }
                else
                {
                    Error(line, $"DNS: {ConfigValues.Quote(item)} is not a valid IP address");
                }
            }
            else if (ConfigValues.IsHostName(item))
            {
                _config.DnsSearch.Add(item);
            }
            else
            {
                Error(line, $"DNS: {ConfigValues.Quote(item)} is neither an IP address nor a valid search domain");
            }
        }
    }

    // Linux's smallest device MTU for IPv4 (68, RFC 791) up to the largest IP packet.
    private void ReadMtu(string value, int line)
    {
        if (value.Length == 0)
        {
            _config.Mtu = null; // wg-quick: empty means "choose automatically"
            return;
        }

        if (ReadNumber("MTU", value, 68, ushort.MaxValue, line) is { } mtu)
        {
            _config.Mtu = (int)mtu;
        }
    }

    private void ReadTable(string value, int line)
    {
        if (value.Length == 0 || value.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            _config.Table = RouteTable.Auto;
            return;
        }

        if (value.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            _config.Table = RouteTable.Off;
            return;
        }

        if (char.IsAsciiDigit(value[0]))
        {
            // Table 0 is RT_TABLE_UNSPEC: the kernel would put the routes into main instead.
            if (!ConfigValues.TryParseNumber(value, uint.MaxValue, out ulong id) || id == 0)
            {
                Error(line, $"Table: {ConfigValues.Quote(value)} is not a table number (1-4294967295)");
                return;
            }

            _config.Table = new RouteTable(RouteTableMode.Table, (uint)id, value);
            return;
        }

        if (_options.LookupTableName(value) is not ({ } named and > 0))
        {
            Error(line, $"Table: {ConfigValues.Quote(value)} is not auto, off, a number or a table named in /etc/iproute2/rt_tables");
            return;
        }

        _config.Table = new RouteTable(RouteTableMode.Table, named, value);
    }

    private void AddHook(List<string> hooks, string command)
    {
        if (command.Length > 0)
        {
            hooks.Add(command);
        }
    }

    private void ReadSaveConfig(string value, int line)
    {
        // wg-quick's read_bool, which runs with nocasematch on.
        if (value.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            _config.SaveConfig = true;
        }
        else if (value.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            _config.SaveConfig = false;
        }
        else
        {
            Error(line, $"SaveConfig: {ConfigValues.Quote(value)} is neither true nor false");
        }
    }

    private void ReadUser(string value, int line)
    {
        if (IsUserName(value))
        {
            _config.User = value;
            _config.UserLine = line;
        }
        else
        {
            Error(line, $"User: {ConfigValues.Quote(value)} is not a user name");
        }
    }

    internal static bool IsUserName(string value) =>
        value.Length is > 0 and <= 32 && value[0] != '-' && value != "." && value != ".."
        && value.AsSpan(0, value.Length - (value.EndsWith('$') ? 1 : 0)).IndexOfAnyExcept(UserNameCharacters) < 0
        && value != "$";

    private static readonly System.Buffers.SearchValues<char> UserNameCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.");

    // ---- [Peer] ----

    private void ReadPublicKey(string value, int line)
    {
        if (!KeyText.TryParsePublicKey(value, out PublicKey key))
        {
            Error(line, "PublicKey: " + KeyText.InvalidKeyMessage);
            _badKey.Add(_peer!);
            return;
        }

        _peer!.PublicKey = key;
        _peer.PublicKeyLine = line;
    }

    private void ReadPresharedKey(string value, int line)
    {
        if (!KeyText.TryParsePresharedKey(value, out PresharedKey? key))
        {
            Error(line, "PresharedKey: " + KeyText.InvalidKeyMessage);
            return;
        }

        // All zeros means "no preshared key", as in wg.
        _peer!.PresharedKey = key!.IsZero ? null : key;
        if (key.IsZero)
        {
            key.Dispose();
        }
    }

    private void ReadAllowedIps(string value, int line)
    {
        foreach (string entry in value.Split(','))
        {
            if (entry.Length == 0)
            {
                Error(line, "AllowedIPs: empty entry (a stray comma?)");
            }
            else if (!ConfigValues.TryParsePrefix(entry, out IPNetwork network, out bool hostBitsSet))
            {
                Error(line, $"AllowedIPs: {ConfigValues.Quote(entry)} is not a valid IP prefix");
            }
            else
            {
                if (hostBitsSet)
                {
                    Warning(line, $"AllowedIPs: {ConfigValues.Quote(entry)} has host bits set; it stands for {IpText.Format(network)}");
                }

                _peer!.AllowedIps.Add(network);
            }
        }
    }

    private void ReadEndpoint(string value, int line)
    {
        if (!ConfigEndpoint.TryParse(value, line, out ConfigEndpoint endpoint, out string error))
        {
            Error(line, "Endpoint: " + error);
            return;
        }

        _peer!.Endpoint = endpoint;
        _peer.ResolvedEndpoint = endpoint.LiteralEndPoint;
    }

    private void ReadKeepalive(string value, int line)
    {
        if (!ConfigValues.TryParseKeepalive(value, out ushort seconds))
        {
            Error(line, $"PersistentKeepalive: {ConfigValues.Quote(value)} is neither off nor a number of seconds (0-65535)");
            return;
        }

        _peer!.PersistentKeepalive = seconds;
    }

    // ---- shared ----

    /// <summary>A decimal number in [min, max]; reports "not a number" or "out of range" otherwise.</summary>
    private ulong? ReadNumber(string key, string value, ulong min, ulong max, int line)
    {
        if (!UapiSyntax.TryParseDecimal(value, ulong.MaxValue, out ulong number))
        {
            Error(line, value.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0
                ? $"{key}: {ConfigValues.Quote(value)} is out of range ({min}-{max})"
                : $"{key}: {ConfigValues.Quote(value)} is not a number");
            return null;
        }

        if (number < min || number > max)
        {
            Error(line, $"{key}: {number} is out of range ({min}-{max})");
            return null;
        }

        return number;
    }
}
