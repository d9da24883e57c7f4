// The policy language in the canonical spelling of the wgsharp-set UAPI extension (see PolicyGrammar.cs): "key=value"
// lines, one spelling per value, read strictly and written exactly as read.
using System.Globalization;
using System.Net;
using System.Text;
using WgSharp.Noise.Keys;
using WgSharp.Tun.Net;

namespace WgSharp.Router.Configuration;

public static partial class PolicyGrammar
{
    /// <summary>
    /// Reads one line of a rule in the canonical spelling into <paramref name="rule"/>: null when it was read, otherwise
    /// why not (keys shortened to printable text, values never in full). Whether a single-valued key came twice is the
    /// caller's to check; from and to may repeat.
    /// </summary>
    public static string? ReadCanonicalRuleKey(ref RouterRule rule, ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        switch (key)
        {
            case "priority":
                if (!DecimalText.TryParse(value, uint.MaxValue, out ulong priority))
                {
                    return $"priority '{Printable(value)}' is not 0-4294967295";
                }

                rule = rule with { Priority = (uint)priority };
                return null;

            case "from":
            case "to":
                if (!TryParseCanonicalSelector(value, out PrefixSelector prefix))
                {
                    return $"{key} '{Printable(value)}' is not a canonical [!]prefix";
                }

                rule = key.SequenceEqual("from") ? rule with { From = [.. rule.From, prefix] } : rule with { To = [.. rule.To, prefix] };
                return null;

            case "protocol":
                if (!DecimalText.TryParse(value, byte.MaxValue, out ulong protocol))
                {
                    return $"protocol '{Printable(value)}' is not 0-255";
                }

                rule = rule with { Protocol = (byte)protocol };
                return null;

            case "port":
            case "source_port":
                if (!TryParseCanonicalRange(value, out PortRange range))
                {
                    return $"{key} '{Printable(value)}' is not a port range first-last with first <= last";
                }

                rule = key.SequenceEqual("port") ? rule with { Port = range } : rule with { SourcePort = range };
                return null;

            case "input":
            case "peer":
                if (!PublicKey.TryParseHex(value, out PublicKey peerKey))
                {
                    return $"{key} is not 64 hex digits";
                }

                rule = key.SequenceEqual("input") ? rule with { Input = peerKey } : rule with { Peer = peerKey };
                return null;

            case "mark":
            case "set_mark":
                if (!TryParseCanonicalMark(value, out Mark mark))
                {
                    return $"{key} '{Printable(value)}' is not 0x<value>/0x<mask> with the value inside the mask";
                }

                rule = key.SequenceEqual("mark") ? rule with { Mark = mark } : rule with { SetMark = mark };
                return null;

            case "action":
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
                    return $"action '{Printable(value)}' is not route, accept, drop, reject or set_mark";
                }

                rule = rule with { Action = action.Value };
                return null;

            case "masquerade":
                if (!value.SequenceEqual("true") && !value.SequenceEqual("false"))
                {
                    return $"masquerade '{Printable(value)}' is not false or true";
                }

                rule = rule with { Masquerade = value.SequenceEqual("true") };
                return null;

            case "state":
                // Strict: exactly what the writer writes (no spaces), so a value round-trips unchanged.
                if (value.Contains(' ') || !RouterRuleStatesText.TryParse(value, out RouterRuleStates states))
                {
                    return $"state '{Printable(value)}' is not {RouterRuleStatesText.Expected}";
                }

                rule = rule with { State = states };
                return null;

            default:
                return $"'{Printable(key)}' is not a rule key";
        }
    }

    /// <summary>What is wrong with a rule read key by key, as a whole (null: nothing).</summary>
    public static string? CheckCanonicalRule(RouterRule rule)
    {
        if (rule.Action == RouterRuleAction.SetMark
            ? rule.SetMark is null || rule.Peer is not null || rule.Masquerade
            : rule.SetMark is not null)
        {
            return $"rule {rule.Line}: set_mark goes with action=set_mark, which has no peer or masquerade";
        }

        if ((rule.Port is not null || rule.SourcePort is not null) && (rule.Protocol is not { } withPorts || !HasPorts(withPorts)))
        {
            return $"rule {rule.Line}: port and source_port need a protocol with ports";
        }

        if ((rule.State & ~RouterRuleStates.New) != 0 && rule.Action == RouterRuleAction.Route)
        {
            return $"rule {rule.Line}: a state beyond new goes with action accept, drop, reject or set_mark";
        }

        return null;
    }

    /// <summary>The lines of <paramref name="rule"/> in the canonical spelling, "rule=" first, each "key=value\n".</summary>
    public static void WriteCanonicalRule(RouterRule rule, StringBuilder output)
    {
        Line(output, "rule", rule.Line.ToString(CultureInfo.InvariantCulture));
        if (rule.Priority is { } priority)
        {
            Line(output, "priority", priority.ToString(CultureInfo.InvariantCulture));
        }

        foreach (PrefixSelector prefix in rule.From)
        {
            Line(output, "from", prefix.ToString());
        }

        foreach (PrefixSelector prefix in rule.To)
        {
            Line(output, "to", prefix.ToString());
        }

        if (rule.Protocol is { } protocol)
        {
            Line(output, "protocol", protocol.ToString(CultureInfo.InvariantCulture));
        }

        Optional(output, "port", rule.Port?.ToRangeString());
        Optional(output, "source_port", rule.SourcePort?.ToRangeString());
        Optional(output, "input", rule.Input?.ToHex());
        Optional(output, "mark", rule.Mark?.ToMaskedString());
        Optional(output, "state", rule.State == RouterRuleStates.None ? null : RouterRuleStatesText.Format(rule.State));
        Optional(output, "peer", rule.Peer?.ToHex());
        Line(output, "action", ActionName(rule.Action));
        Optional(output, "masquerade", rule.Masquerade ? "true" : null);
        Optional(output, "set_mark", rule.SetMark?.ToMaskedString());
    }

    /// <summary>"first-last", both ends always, decimal, first &lt;= last (port 0 included).</summary>
    public static bool TryParseCanonicalRange(ReadOnlySpan<char> value, out PortRange range)
    {
        range = default;
        int dash = value.IndexOf('-');
        if (dash < 0 || !DecimalText.TryParse(value[..dash], ushort.MaxValue, out ulong first)
            || !DecimalText.TryParse(value[(dash + 1)..], ushort.MaxValue, out ulong last) || first > last)
        {
            return false;
        }

        range = new PortRange((ushort)first, (ushort)last);
        return true;
    }

    /// <summary>"[!]prefix" with the host bits already clear (the client never sends them set, and they would be
    /// silently changed).</summary>
    public static bool TryParseCanonicalSelector(ReadOnlySpan<char> value, out PrefixSelector prefix)
    {
        prefix = default;
        bool negated = value.StartsWith('!');
        if (!IpText.TryParsePrefix(negated ? value[1..] : value, out IPNetwork network))
        {
            return false;
        }

        int slash = value.LastIndexOf('/');
        if (!IpText.TryParseAddress(value[(negated ? 1 : 0)..slash], allowZone: false, out IPAddress written)
            || !written.Equals(network.BaseAddress))
        {
            return false;
        }

        prefix = new PrefixSelector(network, negated);
        return true;
    }

    /// <summary>"0x&lt;value&gt;/0x&lt;mask&gt;" as <see cref="Mark.ToMaskedString"/> writes it, the value inside the mask.</summary>
    public static bool TryParseCanonicalMark(ReadOnlySpan<char> value, out Mark mark)
    {
        mark = default;
        int slash = value.IndexOf('/');
        if (slash < 0 || !TryParseCanonicalHex(value[..slash], out uint markValue) || !TryParseCanonicalHex(value[(slash + 1)..], out uint mask)
            || (markValue & ~mask) != 0)
        {
            return false;
        }

        mark = new Mark(markValue, mask);
        return true;
    }


    /// <summary>Reads one line of a port forward in the canonical spelling, like <see cref="ReadCanonicalRuleKey"/>.</summary>
    public static string? ReadCanonicalForwardKey(ref RouterForward forward, ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        switch (key)
        {
            case "protocol":
                if (!value.SequenceEqual("6") && !value.SequenceEqual("17"))
                {
                    return $"forward protocol '{Printable(value)}' is not 6 (tcp) or 17 (udp)";
                }

                forward = forward with { Protocol = value.SequenceEqual("6") ? (byte)6 : (byte)17 };
                return null;

            case "port":
                if (!TryParseCanonicalRange(value, out PortRange range))
                {
                    return $"port '{Printable(value)}' is not a port range first-last with first <= last";
                }

                forward = forward with { Port = range };
                return null;

            case "to":
                if (!IpText.TryParseAddress(value, allowZone: false, out IPAddress to))
                {
                    return $"to '{Printable(value)}' is not an IP address";
                }

                forward = forward with { To = to };
                return null;

            case "to_port":
                if (!DecimalText.TryParse(value, ushort.MaxValue, out ulong toPort))
                {
                    return $"to_port '{Printable(value)}' is not 0-65535";
                }

                forward = forward with { ToPort = (ushort)toPort };
                return null;

            default:
                return $"'{Printable(key)}' is not a forward key";
        }
    }

    /// <summary>The lines of <paramref name="forward"/> in the canonical spelling, "forward=" first.</summary>
    public static void WriteCanonicalForward(RouterForward forward, StringBuilder output)
    {
        Line(output, "forward", forward.Line.ToString(CultureInfo.InvariantCulture));
        Line(output, "protocol", forward.Protocol.ToString(CultureInfo.InvariantCulture));
        Line(output, "port", forward.Port.ToRangeString());
        Line(output, "to", IpText.Format(forward.To));
        Optional(output, "to_port", forward.ToPort?.ToString(CultureInfo.InvariantCulture));
    }

    // "0x" then 1-8 lower-case hex digits, no leading zero (so each number has one spelling).
    private static bool TryParseCanonicalHex(ReadOnlySpan<char> text, out uint value)
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

    private static void Optional(StringBuilder output, string key, string? value)
    {
        if (value is not null)
        {
            Line(output, key, value);
        }
    }

    private static void Line(StringBuilder output, string key, string value) => output.Append(key).Append('=').Append(value).Append('\n');
}
