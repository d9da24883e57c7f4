// Reads the router configuration lines of the wgsharp UAPI extension (the body of `wgsharp-set=1`)
// into a RouterConfiguration, strictly: any line it does not fully understand makes the whole request
// invalid, so a hostile or mistaken client changes nothing.
// Over 400 lines on purpose: one state machine over one line grammar; its sections share the seen-key and
// error state, so splitting it would scatter the "all or nothing" rule.
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
using WgSharp.Tun.Net;

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
    private RouterPeerOptions? _peer;
    private RouterRule? _rule;
    private RouterForward? _forward;
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
            Section.Peer => PeerLine(key, value),
            Section.Rule => RuleLine(key, value),
            Section.Forward => ForwardLine(key, value),
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
        _peer = new RouterPeerOptions(key, Name: null, InboundEstablishedOnly: false, RoutesWhenUp: false);
        return true;
    }

    private bool PeerLine(ReadOnlySpan<char> key, ReadOnlySpan<char> value)
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

                _peer = _peer! with { Name = name };
                return true;

            case "inbound":
                if (!Once("inbound") || !Choice(value, "inbound", "any", "established", out bool established))
                {
                    return false;
                }

                _peer = _peer! with { InboundEstablishedOnly = established };
                return true;

            case "routes":
                if (!Once("routes") || !Choice(value, "routes", "always", "when-up", out bool whenUp))
                {
                    return false;
                }

                _peer = _peer! with { RoutesWhenUp = whenUp };
                return true;

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
        _rule = new RouterRule { Line = (int)line };
        return true;
    }

    // The grammar of a rule's lines is PolicyGrammar's; single-valued keys are checked here with the others.
    private bool RuleLine(ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        if (key is not ("from" or "to") && !Once(key.ToString()))
        {
            return false;
        }

        string? error = PolicyGrammar.ReadCanonicalRuleKey(ref _rule!, key, value);
        return error is null || Invalid(error);
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
        _forward = new RouterForward(0, default, IPAddress.None, null) { Line = (int)line };
        return true;
    }

    private bool ForwardLine(ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        if (!Once(key.ToString()))
        {
            return false;
        }

        string? error = PolicyGrammar.ReadCanonicalForwardKey(ref _forward!, key, value);
        return error is null || Invalid(error);
    }

    // Checks the section that ends here as a whole and adds it.
    private bool EndSection()
    {
        switch (_section)
        {
            case Section.Peer:
                _peers.Add(_peer!);
                break;

            case Section.Rule:
                if (PolicyGrammar.CheckCanonicalRule(_rule!) is { } problem)
                {
                    return Invalid(problem);
                }

                _rules.Add(_rule!);
                break;

            case Section.Forward:
                if (!_seen.Contains("protocol") || !_seen.Contains("port") || !_seen.Contains("to"))
                {
                    return Invalid($"forward {_forward!.Line}: protocol, port and to are required");
                }

                _forwards.Add(_forward!);
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

    private bool Invalid(string message) => Fail(ConfigurationErrno.InvalidArgument, message);

    private bool Fail(int errno, string message)
    {
        Errno = errno;
        ErrorMessage = $"line {_lineNumber}: {message}";
        return false;
    }

}
