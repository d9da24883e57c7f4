// The keys of each section and how each value is read: wg's keys (values exactly as `wg setconf`
// takes them), wg-quick's [Interface] keys, and WgSharp's extensions (issue 5).
using System.Net;
using System.Net.Sockets;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;
using WgSharp.Noise.Keys;

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
            new("From", KeyKind.Extension, static (p, v, l) => p.ReadSelectors("From", p._rule!.From, v, l), Once: false),
            new("To", KeyKind.Extension, static (p, v, l) => p.ReadSelectors("To", p._rule!.To, v, l), Once: false),
            new("Protocol", KeyKind.Extension, static (p, v, l) => p._rule!.Protocol = p.ReadProtocol(v, l)),
            new("Port", KeyKind.Extension, static (p, v, l) => p._rule!.Port = p.ReadPortRange("Port", v, l)),
            new("SourcePort", KeyKind.Extension, static (p, v, l) => p._rule!.SourcePort = p.ReadPortRange("SourcePort", v, l)),
            new("Input", KeyKind.Extension, static (p, v, l) => p.ReadInput(v, l)),
            new("Mark", KeyKind.Extension, static (p, v, l) => p._rule!.Mark = p.ReadMark("Mark", v, l)),
            new("State", KeyKind.Extension, static (p, v, l) => p.ReadState(v, l)),
            new("Peer", KeyKind.Extension, static (p, v, l) => p._rule!.Peer = p.ReadPeerReference("Peer", v, l)),
            new("Action", KeyKind.Extension, static (p, v, l) => p.ReadAction(v, l)),
            new("Masquerade", KeyKind.Extension, static (p, v, l) => p.ReadMasquerade(v, l)),
            new("SetMark", KeyKind.Extension, static (p, v, l) => p._rule!.SetMark = p.ReadMark("SetMark", v, l)),
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
            if (!ConfigValues.TryParseInterfaceAddress(item, out InterfaceAddress address))
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

    private void ReadMssClamp(string value, int line)
    {
        if (value.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            _config.MssClamp = MssClampSetting.Off;
        }
        else if (value.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            _config.MssClamp = MssClampSetting.Auto;
        }
        else if (!char.IsAsciiDigit(value[0]))
        {
            Error(line, $"MssClamp: {ConfigValues.Quote(value)} is not off, auto or a number of bytes");
        }
        else if (ReadNumber("MssClamp", value, MssClampSetting.MinBytes, MssClampSetting.MaxBytes, line) is { } bytes)
        {
            _config.MssClamp = new MssClampSetting(MssClampMode.Fixed, (ushort)bytes);
        }
    }

    private void ReadRelay(string value, int line)
    {
        if (RelayText.TryParse(value, out RouterRelay relay))
        {
            _config.Relay = relay;
        }
        else
        {
            Error(line, $"Relay: {ConfigValues.Quote(value)} is neither kernel nor userspace");
        }
    }

    private void ReadConntrackPerPeer(string value, int line)
    {
        if (FlowShareText.TryParse(value, out WgSharp.Router.Configuration.RouterFlowShare share))
        {
            _config.ConntrackPerPeer = share;
        }
        else
        {
            Error(line, $"ConntrackPerPeer: {ConfigValues.Quote(value)} is not {FlowShareText.Expected}");
        }
    }

    // A user name as useradd(8) accepts it (letters, digits, '_', '-', '.', a trailing '$'; not starting with '-'),
    // at most 32 characters; whether the user exists is checked by `up`, on the machine that runs the daemon.
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

    private void ReadPeerName(string value, int line)
    {
        if (value.Equals("tun", StringComparison.OrdinalIgnoreCase))
        {
            Error(line, "Name: 'tun' is reserved (Input = tun means the local side)");
        }
        else if (!ConfigValues.IsPeerName(value))
        {
            Error(line, $"Name: {ConfigValues.Quote(value)} is not a valid peer name (1-32 letters, digits, '_', '-' or '.')");
        }
        else
        {
            _peer!.Name = value;
        }
    }

    private void ReadInbound(string value, int line)
    {
        if (value.Equals("any", StringComparison.OrdinalIgnoreCase))
        {
            _peer!.Inbound = InboundPolicy.Any;
        }
        else if (value.Equals("established", StringComparison.OrdinalIgnoreCase))
        {
            _peer!.Inbound = InboundPolicy.Established;
        }
        else
        {
            Error(line, $"Inbound: {ConfigValues.Quote(value)} is neither any nor established");
        }
    }

    private void ReadRoutes(string value, int line)
    {
        if (value.Equals("always", StringComparison.OrdinalIgnoreCase))
        {
            _peer!.Routes = RoutesPolicy.Always;
        }
        else if (value.Equals("when-up", StringComparison.OrdinalIgnoreCase))
        {
            _peer!.Routes = RoutesPolicy.WhenUp;
        }
        else
        {
            Error(line, $"Routes: {ConfigValues.Quote(value)} is neither always nor when-up");
        }
    }

    // ---- [Rule] ----

    private void ReadSelectors(string key, List<PrefixSelector> selectors, string value, int line)
    {
        foreach (string item in value.Split(','))
        {
            string entry = item.Trim();
            bool negated = entry.StartsWith('!');
            string prefix = negated ? entry[1..].TrimStart() : entry;
            if (entry.Length == 0)
            {
                Error(line, $"{key}: empty entry (a stray comma?)");
            }
            else if (!ConfigValues.TryParsePrefix(prefix, out IPNetwork network, out bool hostBitsSet))
            {
                Error(line, $"{key}: {ConfigValues.Quote(prefix)} is not a valid IP prefix");
            }
            else
            {
                if (hostBitsSet)
                {
                    Warning(line, $"{key}: {ConfigValues.Quote(prefix)} has host bits set; it stands for {IpText.Format(network)}");
                }

                selectors.Add(new PrefixSelector(network, negated));
            }
        }
    }

    private byte? ReadProtocol(string value, int line)
    {
        if (!IpProtocols.TryParse(value, out byte protocol))
        {
            Error(line, $"Protocol: {ConfigValues.Quote(value)} is neither a protocol name (tcp, udp, icmp, icmpv6, ...) nor a number 0-255");
            return null;
        }

        return protocol;
    }

    private PortRange? ReadPortRange(string key, string value, int line)
    {
        if (ConfigValues.TryParsePortRange(value, out PortRange range, out bool reversed))
        {
            return range;
        }

        Error(line, reversed
            ? $"{key}: the range {ConfigValues.Quote(value)} is reversed (the first port must not be larger than the last)"
            : $"{key}: {ConfigValues.Quote(value)} is neither a port (1-65535) nor a range like 8000-8100");
        return null;
    }

    private void ReadInput(string value, int line)
    {
        if (value.Equals("tun", StringComparison.OrdinalIgnoreCase))
        {
            _rule!.Input = null;
            return;
        }

        _rule!.Input = ReadPeerReference("Input", value, line);
    }

    private string? ReadPeerReference(string key, string value, int line)
    {
        if (!ConfigValues.IsPeerName(value))
        {
            Error(line, $"{key}: {ConfigValues.Quote(value)} is not a valid peer name (1-32 letters, digits, '_', '-' or '.')");
            return null;
        }

        return value; // whether such a peer exists is checked once the whole file is read
    }

    private MarkValue? ReadMark(string key, string value, int line)
    {
        if (ConfigValues.TryParseMark(value, out MarkValue mark, out bool outsideMask))
        {
            return mark;
        }

        Error(line, outsideMask
            ? $"{key}: the value in {ConfigValues.Quote(value)} has bits outside the mask"
            : $"{key}: {ConfigValues.Quote(value)} is not a mark (a 32-bit number, or value/mask like 0x200/0xff00)");
        return null;
    }

    private void ReadAction(string value, int line)
    {
        RuleAction? action = value.ToLowerInvariant() switch
        {
            "route" => RuleAction.Route,
            "accept" => RuleAction.Accept,
            "drop" => RuleAction.Drop,
            "reject" => RuleAction.Reject,
            _ => null,
        };
        if (action is null)
        {
            Error(line, $"Action: {ConfigValues.Quote(value)} is not route, accept, drop or reject");
            return;
        }

        _rule!.Action = action.Value;
    }

    private void ReadMasquerade(string value, int line)
    {
        if (!ConfigValues.TryParseBoolean(value, out bool masquerade))
        {
            Error(line, $"Masquerade: {ConfigValues.Quote(value)} is neither yes nor no");
            return;
        }

        _rule!.Masquerade = masquerade;
    }

    private void ReadState(string value, int line)
    {
        if (!RouterRuleStatesText.TryParse(value, out RouterRuleStates states))
        {
            Error(line, $"State: {ConfigValues.Quote(value)} is not {RouterRuleStatesText.Expected}");
            return;
        }

        _rule!.State = states;
    }

    private void ReadPriority(string value, int line)
    {
        if (!ConfigValues.TryParseNumber(value, uint.MaxValue, out ulong priority))
        {
            Error(line, $"Priority: {ConfigValues.Quote(value)} is not a number 0-4294967295");
            return;
        }

        _rule!.Priority = (uint)priority;
    }

    // ---- [Forward] ----

    private void ReadForwardProtocol(string value, int line)
    {
        if (ReadProtocol(value, line) is not { } protocol)
        {
            return;
        }

        if (protocol is not (IpProtocols.Tcp or IpProtocols.Udp))
        {
            Error(line, "Protocol: a port forward is for tcp or udp");
            return;
        }

        _forward!.Protocol = protocol;
    }

    private void ReadForwardPort(string value, int line)
    {
        if (ReadPortRange("Port", value, line) is { } range)
        {
            _forward!.Port = range;
        }
    }

    private void ReadForwardTo(string value, int line)
    {
        // "192.168.2.10", "192.168.2.10:80", "fd00::10", "[fd00::10]" or "[fd00::10]:80".
        string host = value;
        string? portText = null;
        if (value.StartsWith('['))
        {
            int close = value.IndexOf(']');
            if (close > 0 && (close == value.Length - 1 || value[close + 1] == ':'))
            {
                host = value[1..close];
                portText = close == value.Length - 1 ? null : value[(close + 2)..];
            }
        }
        else if (value.Count(c => c == ':') == 1)
        {
            int colon = value.IndexOf(':');
            host = value[..colon];
            portText = value[(colon + 1)..];
        }

        ulong port = 0;
        if (!IpText.TryParseAddress(host, allowZone: false, out IPAddress address)
            || (value.StartsWith('[') && address.AddressFamily != AddressFamily.InterNetworkV6)
            || (portText is not null && (!UapiSyntax.TryParseDecimal(portText, ushort.MaxValue, out port) || port == 0)))
        {
            Error(line, $"To: {ConfigValues.Quote(value)} is not an address or address:port (like 192.168.2.10:80 or [fd00::10]:80)");
            return;
        }

        _forward!.ToAddress = address;
        _forward.ToPort = portText is null ? null : (ushort)port;
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
