// Reads the router configuration lines of the wgsharp UAPI extension (the body of `wgsharp-set=1`)
// into a RouterConfiguration, strictly: any line it does not fully understand makes the whole request
// invalid, so a hostile or mistaken client changes nothing.
//
// Format, version 1 (one "key=value" per line; sections start with public_key=, rule= or forward=,
// and interface keys come before the first section):
//   version=1                      first line, required
//   mss_clamp=off|auto|<1-65535>   at most once (absent: off)
//   conntrack_per_peer=<n>|<p>%    at most once: flows per peer, 1-16777216, or percent of the table, 1-100 (absent: default)
//   when_up_table=<1-4294967295>   at most once (absent: none)
//   address=<ip>                   repeated: the interface addresses, in order
//   public_key=<64 hex>            a peer's options:  name=<peer name>  inbound=any|established
//                                  routes=always|when-up  (each at most once)
//   rule=<config line>             a rule: priority=<u32> from=[!]<prefix> to=[!]<prefix> (repeated, canonical)
//                                  protocol=<0-255> port=<a>-<b> source_port=<a>-<b> input=<hex> mark=0x<v>/0x<m>
//                                  peer=<hex> action=route|accept|drop|reject|set_mark masquerade=true|false
//                                  set_mark=0x<v>/0x<m>; action set_mark comes with set_mark and nothing else
//   forward=<config line>          a port forward: protocol=6|17 port=<a>-<b> to=<ip> (required) to_port=<port>
// Numbers are decimal without sign; a range has both ends, first <= last; a mark's value has no bits
// outside its mask. Text values (name) are percent-encoded (PercentText).
using System.Net;
using WgSharp.Cli.Configuration;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Uapi;

internal sealed class RouterConfigurationParser
{
    /// <summary>The format version this parser reads and RouterConfigurationWriter writes.</summary>
    public const int Version = 1;

    private readonly HashSet<string> _seen = new(StringComparer.Ordinal); // single-valued keys of the current section
    private readonly List<RouterPeerOptions> _peers = [];
    private readonly HashSet<PublicKey> _peerKeys = [];
    private readonly List<RouterRule> _rules = [];
    private readonly List<RouterForward> _forwards = [];
    private readonly List<IPAddress> _addresses = [];
    private int _mssClamp;
    private RouterFlowShare? _conntrackPerPeer;
    private RouterRelay _relay;
    private uint? _whenUpTable;
    private Section _section = Section.Interface;
    private PeerBuilder? _peer;
    private RuleBuilder? _rule;
    private ForwardBuilder? _forward;
    private int _lineNumber;
    private bool _versionSeen;

    private enum Section
    {
        Interface,
        Peer,
        Rule,
        Forward,
    }

    /// <summary>0 while every line so far was valid; otherwise the negative errno of the first bad line.</summary>
    public int Errno { get; private set; }

    /// <summary>Why the first bad line was refused (keys are printed shortened, values never in full).</summary>
    public string? ErrorMessage { get; private set; }

    /// <summary>Parses whole text (lines separated by '\n', no blank line).</summary>
    /// <exception cref="ConfigurationException">A line is invalid.</exception>
    public static RouterConfiguration Parse(string text)
    {
        var parser = new RouterConfigurationParser();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            parser.AddLine(line);
        }

        return parser.Finish() ?? throw new ConfigurationException(parser.Errno, parser.ErrorMessage!);
    }

    /// <summary>Adds one line (no '\n'). Returns false once any line has failed; later lines are ignored.</summary>
    public bool AddLine(ReadOnlySpan<char> line)
    {
        if (Errno != 0)
        {
            return false;
        }

        _lineNumber++;
        if (!UapiSyntax.TrySplit(line, out ReadOnlySpan<char> key, out ReadOnlySpan<char> value))
        {
            return Fail(ConfigurationErrno.ProtocolError, "is not key=value");
        }

        if (!_versionSeen)
        {
            if (!key.SequenceEqual("version"))
            {
                return Fail(ConfigurationErrno.InvalidArgument, "the first line must be version=1");
            }

            if (!value.SequenceEqual("1"))
            {
                return Fail(ConfigurationErrno.InvalidArgument, $"version '{UapiSyntax.Printable(value)}' is not supported (only 1 is)");
            }

            _versionSeen = true;
            return true;
        }

        switch (key)
        {
            case "public_key":
                return StartPeer(value);
            case "rule":
                return StartRule(value);
            case "forward":
                return StartForward(value);
        }

        return _section switch
        {
            Section.Peer => PeerLine(_peer!, key, value),
            Section.Rule => RuleLine(_rule!, key, value),
            Section.Forward => ForwardLine(_forward!, key, value),
            _ => InterfaceLine(key, value),
        };
    }

    /// <summary>Ends the request: the configuration, or null when a line was invalid or the request
    /// incomplete (<see cref="Errno"/> and <see cref="ErrorMessage"/> say why).</summary>
    public RouterConfiguration? Finish()
    {
        if (Errno == 0 && !_versionSeen)
        {
            Fail(ConfigurationErrno.InvalidArgument, "no version=1 line");
        }

        if (Errno != 0 || !EndSection())
        {
            return null;
        }

        return new RouterConfiguration
        {
            Peers = [.. _peers],
            Rules = [.. _rules],
            Forwards = [.. _forwards],
            MssClamp = _mssClamp,
            ConntrackPerPeer = _conntrackPerPeer,
            Relay = _relay,
            InterfaceAddresses = [.. _addresses],
            WhenUpRouteTable = _whenUpTable,
        };
    }

    private bool InterfaceLine(ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        switch (key)
        {
            case "mss_clamp":
                if (!Once("mss_clamp"))
                {
                    return false;
                }

                if (value.SequenceEqual("off"))
                {
                    _mssClamp = 0;
                }
                else if (value.SequenceEqual("auto"))
                {
                    _mssClamp = RouterConfiguration.MssClampAuto;
                }
                else if (TryNumber(value, ushort.MaxValue, out ulong bytes) && bytes > 0)
                {
                    _mssClamp = (int)bytes;
                }
                else
                {
                    return Invalid($"mss_clamp '{UapiSyntax.Printable(value)}' is not off, auto or 1-65535");
                }

                return true;

            case "relay":
                if (!Once("relay"))
                {
                    return false;
                }

                if (!RelayText.TryParse(value, out _relay))
                {
                    return Invalid($"relay '{UapiSyntax.Printable(value)}' is neither kernel nor userspace");
                }

                return true;

            case "conntrack_per_peer":
                if (!Once("conntrack_per_peer"))
                {
                    return false;
                }

                if (!FlowShareText.TryParse(value, out RouterFlowShare share))
                {
                    return Invalid($"conntrack_per_peer '{UapiSyntax.Printable(value)}' is not {FlowShareText.Expected}");
                }

                _conntrackPerPeer = share;
                return true;

            case "when_up_table":
                if (!Once("when_up_table"))
                {
                    return false;
                }

                if (!TryNumber(value, uint.MaxValue, out ulong table) || table == 0)
                {
                    return Invalid($"when_up_table '{UapiSyntax.Printable(value)}' is not a table number 1-4294967295");
                }

                _whenUpTable = (uint)table;
                return true;

            case "address":
                if (!IpText.TryParseAddress(value, allowZone: false, out IPAddress address))
                {
                    return Invalid($"address '{UapiSyntax.Printable(value)}' is not an IP address");
                }

                if (_addresses.Contains(address))
                {
                    return Invalid($"address {IpText.Format(address)} is listed twice");
                }

                _addresses.Add(address);
                return true;

            default:
                return Invalid($"'{UapiSyntax.Printable(key)}' is not an interface key (or it comes after a peer, rule or forward)");
        }
    }

    private bool StartPeer(ReadOnlySpan<char> value)
    {
        if (!EndSection())
        {
            return false;
        }

        if (!PublicKey.TryParseHex(value, out PublicKey key))
        {
            return Invalid("public_key is not 64 hex digits");
        }

        if (!_peerKeys.Add(key))
        {
            return Invalid("the same public_key has two sections");
        }

        _section = Section.Peer;
        _peer = new PeerBuilder(key);
        return true;
    }

    private bool PeerLine(PeerBuilder peer, ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        switch (key)
        {
            case "name":
                if (!Once("name"))
                {
                    return false;
                }

                if (!PercentText.TryDecode(value, out string name) || !ConfigValues.IsPeerName(name) || name == "tun")
                {
                    return Invalid($"name '{UapiSyntax.Printable(value)}' is not a peer name (1-32 letters, digits, '_', '-' or '.'; not tun)");
                }

                peer.Name = name;
                return true;

            case "inbound":
                return Once("inbound") && Choice(value, "inbound", "any", "established", out peer.InboundEstablishedOnly);

            case "routes":
                return Once("routes") && Choice(value, "routes", "always", "when-up", out peer.RoutesWhenUp);

            default:
                return Invalid($"'{UapiSyntax.Printable(key)}' is not a peer key");
        }
    }

    private bool StartRule(ReadOnlySpan<char> value)
    {
        if (!EndSection())
        {
            return false;
        }

        if (!TryNumber(value, int.MaxValue, out ulong line))
        {
            return Invalid($"rule '{UapiSyntax.Printable(value)}' is not a line number");
        }

        _section = Section.Rule;
        _rule = new RuleBuilder { Line = (int)line };
        return true;
    }

    private bool RuleLine(RuleBuilder rule, ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        switch (key)
        {
            case "priority":
                if (!Once("priority"))
                {
                    return false;
                }

                if (!TryNumber(value, uint.MaxValue, out ulong priority))
                {
                    return Invalid($"priority '{UapiSyntax.Printable(value)}' is not 0-4294967295");
                }

                rule.Priority = (uint)priority;
                return true;

            case "from":
            case "to":
                if (!TryPrefix(value, out RouterPrefix prefix))
                {
                    return Invalid($"{key} '{UapiSyntax.Printable(value)}' is not a canonical [!]prefix");
                }

                (key.SequenceEqual("from") ? rule.From : rule.To).Add(prefix);
                return true;

            case "protocol":
                if (!Once("protocol"))
                {
                    return false;
                }

                if (!TryNumber(value, byte.MaxValue, out ulong protocol))
                {
                    return Invalid($"protocol '{UapiSyntax.Printable(value)}' is not 0-255");
                }

                rule.Protocol = (byte)protocol;
                return true;

            case "port":
            case "source_port":
                if (!Once(key.ToString()))
                {
                    return false;
                }

                if (!TryRange(value, out RouterPortRange range))
                {
                    return Invalid($"{key} '{UapiSyntax.Printable(value)}' is not a port range first-last with first <= last");
                }

                if (key.SequenceEqual("port"))
                {
                    rule.Port = range;
                }
                else
                {
                    rule.SourcePort = range;
                }

                return true;

            case "input":
            case "peer":
                if (!Once(key.ToString()))
                {
                    return false;
                }

                if (!PublicKey.TryParseHex(value, out PublicKey peerKey))
                {
                    return Invalid($"{key} is not 64 hex digits");
                }

                if (key.SequenceEqual("input"))
                {
                    rule.Input = peerKey;
                }
                else
                {
                    rule.Peer = peerKey;
                }

                return true;

            case "mark":
            case "set_mark":
                if (!Once(key.ToString()))
                {
                    return false;
                }

                if (!TryMark(value, out RouterMark mark))
                {
                    return Invalid($"{key} '{UapiSyntax.Printable(value)}' is not 0x<value>/0x<mask> with the value inside the mask");
                }

                if (key.SequenceEqual("mark"))
                {
                    rule.Mark = mark;
                }
                else
                {
                    rule.SetMark = mark;
                }

                return true;

            case "action":
                if (!Once("action"))
                {
                    return false;
                }

                RouterRuleAction? action = value switch
                {
                    "route" => RouterRuleAction.Route,
                    "accept" => RouterRuleAction.Accept,
                    "drop" => RouterRuleAction.Drop,
                    "reject" => RouterRuleAction.Reject,
                    "set_mark" => RouterRuleAction.SetMark,
                    _ => null,
                };
                if (action is null)
                {
                    return Invalid($"action '{UapiSyntax.Printable(value)}' is not route, accept, drop, reject or set_mark");
                }

                rule.Action = action.Value;
                return true;

            case "masquerade":
                return Once("masquerade") && Choice(value, "masquerade", "false", "true", out rule.Masquerade);

            case "state":
                if (!Once("state"))
                {
                    return false;
                }

                // Strict: exactly what the writer writes (no spaces), so a value round-trips unchanged.
                if (value.Contains(' ') || !RouterRuleStatesText.TryParse(value, out RouterRuleStates states))
                {
                    return Invalid($"state '{UapiSyntax.Printable(value)}' is not {RouterRuleStatesText.Expected}");
                }

                rule.State = states;
                return true;

            default:
                return Invalid($"'{UapiSyntax.Printable(key)}' is not a rule key");
        }
    }

    private bool StartForward(ReadOnlySpan<char> value)
    {
        if (!EndSection())
        {
            return false;
        }

        if (!TryNumber(value, int.MaxValue, out ulong line))
        {
            return Invalid($"forward '{UapiSyntax.Printable(value)}' is not a line number");
        }

        _section = Section.Forward;
        _forward = new ForwardBuilder { Line = (int)line };
        return true;
    }

    private bool ForwardLine(ForwardBuilder forward, ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        switch (key)
        {
            case "protocol":
                if (!Once("protocol"))
                {
                    return false;
                }

                if (!value.SequenceEqual("6") && !value.SequenceEqual("17"))
                {
                    return Invalid($"forward protocol '{UapiSyntax.Printable(value)}' is not 6 (tcp) or 17 (udp)");
                }

                forward.Protocol = value.SequenceEqual("6") ? (byte)6 : (byte)17;
                return true;

            case "port":
                if (!Once("port"))
                {
                    return false;
                }

                if (!TryRange(value, out RouterPortRange range))
                {
                    return Invalid($"port '{UapiSyntax.Printable(value)}' is not a port range first-last with first <= last");
                }

                forward.Port = range;
                return true;

            case "to":
                if (!Once("to"))
                {
                    return false;
                }

                if (!IpText.TryParseAddress(value, allowZone: false, out IPAddress to))
                {
                    return Invalid($"to '{UapiSyntax.Printable(value)}' is not an IP address");
                }

                forward.To = to;
                return true;

            case "to_port":
                if (!Once("to_port"))
                {
                    return false;
                }

                if (!TryNumber(value, ushort.MaxValue, out ulong toPort))
                {
                    return Invalid($"to_port '{UapiSyntax.Printable(value)}' is not 0-65535");
                }

                forward.ToPort = (ushort)toPort;
                return true;

            default:
                return Invalid($"'{UapiSyntax.Printable(key)}' is not a forward key");
        }
    }

    // Checks the section that ends here as a whole and adds it.
    private bool EndSection()
    {
        switch (_section)
        {
            case Section.Peer:
                _peers.Add(new RouterPeerOptions(_peer!.PublicKey, _peer.Name, _peer.InboundEstablishedOnly, _peer.RoutesWhenUp));
                break;

            case Section.Rule:
                RuleBuilder rule = _rule!;
                if (rule.Action == RouterRuleAction.SetMark
                    ? rule.SetMark is null || rule.Peer is not null || rule.Masquerade
                    : rule.SetMark is not null)
                {
                    return Invalid($"rule {rule.Line}: set_mark goes with action=set_mark, which has no peer or masquerade");
                }

                if ((rule.Port is not null || rule.SourcePort is not null) && (rule.Protocol is not { } withPorts || !IpProtocols.HasPorts(withPorts)))
                {
                    return Invalid($"rule {rule.Line}: port and source_port need a protocol with ports");
                }

                if ((rule.State & ~RouterRuleStates.New) != 0 && rule.Action == RouterRuleAction.Route)
                {
                    return Invalid($"rule {rule.Line}: a state beyond new goes with action accept, drop, reject or set_mark");
                }

                _rules.Add(new RouterRule
                {
                    Line = rule.Line,
                    From = [.. rule.From],
                    To = [.. rule.To],
                    Protocol = rule.Protocol,
                    Port = rule.Port,
                    SourcePort = rule.SourcePort,
                    Input = rule.Input,
                    Mark = rule.Mark,
                    State = rule.State,
                    Peer = rule.Peer,
                    Action = rule.Action,
                    Masquerade = rule.Masquerade,
                    SetMark = rule.SetMark,
                    Priority = rule.Priority,
                });
                break;

            case Section.Forward:
                ForwardBuilder forward = _forward!;
                if (forward.Protocol == 0 || forward.Port is null || forward.To is null)
                {
                    return Invalid($"forward {forward.Line}: protocol, port and to are required");
                }

                _forwards.Add(new RouterForward(forward.Protocol, forward.Port.Value, forward.To, forward.ToPort) { Line = forward.Line });
                break;
        }

        _seen.Clear();
        _section = Section.Interface;
        _peer = null;
        _rule = null;
        _forward = null;
        return true;
    }

    // Single-valued keys of the current section (or of the interface part, which precedes every section).
    private bool Once(string key) => _seen.Add(key) || Invalid($"{key} is given twice");

    private bool Choice(ReadOnlySpan<char> value, string key, string no, string yes, out bool result)
    {
        result = value.SequenceEqual(yes);
        return result || value.SequenceEqual(no) || Invalid($"{key} '{UapiSyntax.Printable(value)}' is not {no} or {yes}");
    }

    private static bool TryNumber(ReadOnlySpan<char> value, ulong max, out ulong number) =>
        UapiSyntax.TryParseDecimal(value, max, out number);

    private static bool TryRange(ReadOnlySpan<char> value, out RouterPortRange range)
    {
        range = default;
        int dash = value.IndexOf('-');
        if (dash < 0 || !TryNumber(value[..dash], ushort.MaxValue, out ulong first)
            || !TryNumber(value[(dash + 1)..], ushort.MaxValue, out ulong last) || first > last)
        {
            return false;
        }

        range = new RouterPortRange((ushort)first, (ushort)last);
        return true;
    }

    private static bool TryPrefix(ReadOnlySpan<char> value, out RouterPrefix prefix)
    {
        prefix = default;
        bool negated = value.StartsWith('!');
        if (!IpText.TryParsePrefix(negated ? value[1..] : value, out IPNetwork network))
        {
            return false;
        }

        // Canonical only: host bits set would be silently changed, and the client never sends them.
        int slash = value.LastIndexOf('/');
        if (!IpText.TryParseAddress(value[(negated ? 1 : 0)..slash], allowZone: false, out IPAddress written)
            || !written.Equals(network.BaseAddress))
        {
            return false;
        }

        prefix = new RouterPrefix(network, negated);
        return true;
    }

    private static bool TryMark(ReadOnlySpan<char> value, out RouterMark mark)
    {
        mark = default;
        int slash = value.IndexOf('/');
        if (slash < 0 || !TryHex(value[..slash], out uint markValue) || !TryHex(value[(slash + 1)..], out uint mask)
            || (markValue & ~mask) != 0)
        {
            return false;
        }

        mark = new RouterMark(markValue, mask);
        return true;
    }

    // "0x" then 1-8 lower-case hex digits, no leading zero (so each number has one spelling).
    private static bool TryHex(ReadOnlySpan<char> text, out uint value)
    {
        value = 0;
        if (text.Length is < 3 or > 10 || text[0] != '0' || text[1] != 'x' || (text.Length > 3 && text[2] == '0'))
        {
            return false;
        }

        foreach (char c in text[2..])
        {
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                _ => -1,
            };
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | (uint)digit;
        }

        return true;
    }

    private bool Invalid(string message) => Fail(ConfigurationErrno.InvalidArgument, message);

    private bool Fail(int errno, string message)
    {
        Errno = errno;
        ErrorMessage = $"line {_lineNumber}: {message}";
        return false;
    }

    private sealed class PeerBuilder(PublicKey publicKey)
    {
        public PublicKey PublicKey { get; } = publicKey;
        public string? Name;
        public bool InboundEstablishedOnly;
        public bool RoutesWhenUp;
    }

    private sealed class RuleBuilder
    {
        public int Line;
        public uint? Priority;
        public readonly List<RouterPrefix> From = [];
        public readonly List<RouterPrefix> To = [];
        public byte? Protocol;
        public RouterPortRange? Port;
        public RouterPortRange? SourcePort;
        public PublicKey? Input;
        public RouterMark? Mark;
        public RouterRuleStates State;
        public PublicKey? Peer;
        public RouterRuleAction Action;
        public bool Masquerade;
        public RouterMark? SetMark;
    }

    private sealed class ForwardBuilder
    {
        public int Line;
        public byte Protocol;
        public RouterPortRange? Port;
        public IPAddress? To;
        public ushort? ToPort;
    }
}
