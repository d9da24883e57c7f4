// The policy keys as the config file spells them: [Interface] MssClamp, Relay and ConntrackPerPeer, [Peer] Name,
// Inbound and Routes, and the [Rule] and [Forward] sections. Rule values are read by PolicyGrammar (shared with the
// wgsharp-set extension); the errors name the key and quote the value safely.
using System.Net;
using System.Net.Sockets;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Configuration;

internal sealed partial class ConfigParser
{
    // ---- [Interface] ----

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
    // ---- [Peer] ----

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

    // The rule of the current [Rule] section, changed by one key.
    private void SetRule(Func<RouterRule, RouterRule> change) => _rule!.Rule = change(_rule.Rule);

    private void ReadSelectors(string key, string value, int line)
    {
        var selectors = new List<PrefixSelector>();
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

        SetRule(r => key == "From" ? r with { From = [.. r.From, .. selectors] } : r with { To = [.. r.To, .. selectors] });
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
        if (PolicyGrammar.TryParsePortRange(value, out PortRange range, out bool reversed))
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

    private Mark? ReadMark(string key, string value, int line)
    {
        if (PolicyGrammar.TryParseMark(value, out Mark mark, out bool outsideMask))
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
        if (!PolicyGrammar.TryParseAction(value, out RouterRuleAction action))
        {
            Error(line, $"Action: {ConfigValues.Quote(value)} is not route, accept, drop or reject");
            return;
        }

        SetRule(r => r with { Action = action });
    }

    private void ReadMasquerade(string value, int line)
    {
        if (!ConfigValues.TryParseBoolean(value, out bool masquerade))
        {
            Error(line, $"Masquerade: {ConfigValues.Quote(value)} is neither yes nor no");
            return;
        }

        SetRule(r => r with { Masquerade = masquerade });
    }

    private void ReadState(string value, int line)
    {
        if (!RouterRuleStatesText.TryParse(value, out RouterRuleStates states))
        {
            Error(line, $"State: {ConfigValues.Quote(value)} is not {RouterRuleStatesText.Expected}");
            return;
        }

        SetRule(r => r with { State = states });
    }

    private void ReadPriority(string value, int line)
    {
        if (!ConfigValues.TryParseNumber(value, uint.MaxValue, out ulong priority))
        {
            Error(line, $"Priority: {ConfigValues.Quote(value)} is not a number 0-4294967295");
            return;
        }

        SetRule(r => r with { Priority = (uint)priority });
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

        _forward!.Forward = _forward.Forward with { Protocol = protocol };
    }

    private void ReadForwardPort(string value, int line)
    {
        if (ReadPortRange("Port", value, line) is { } range)
        {
            _forward!.Forward = _forward.Forward with { Port = range };
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

        _forward!.Forward = _forward.Forward with { To = address, ToPort = portText is null ? null : (ushort)port };
    }
}
