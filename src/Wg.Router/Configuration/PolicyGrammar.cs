// The policy language as text: the values of the [Rule] and [Forward] keys and a rule as a whole, in the two spellings
// the program uses. The config file's is what people write (ConfigParser reads it, ConfigWriter writes it); the
// canonical one of the wgsharp-set UAPI extension has one spelling per value, so that a request round-trips and a
// hostile client finds nothing lenient (RouterConfigurationParser reads it, RouterConfigurationWriter writes it). It
// sits next to RouterRule because both readers fill that one model (no parallel rule class is copied field by field),
// and the device and the CLI both reference this project. The state file records the kernel's rules, not policy
// rules; their port ranges are PortRange's text.
using WgSharp.Tun.Net;

namespace WgSharp.Router.Configuration;

public static partial class PolicyGrammar
{
    // ---- values as the config file spells them ----

    /// <summary>"25" or "8000-8100" (white space around '-' allowed), ports 1-65535.
    /// <paramref name="reversed"/> is set for a well-formed range whose first port is the larger.</summary>
    public static bool TryParsePortRange(ReadOnlySpan<char> text, out PortRange range, out bool reversed)
    {
        range = default;
        reversed = false;
        int dash = text.IndexOf('-');
        ReadOnlySpan<char> firstText = (dash < 0 ? text : text[..dash]).Trim();
        ReadOnlySpan<char> lastText = dash < 0 ? firstText : text[(dash + 1)..].Trim();
        if (!DecimalText.TryParse(firstText, ushort.MaxValue, out ulong first) || first == 0
            || !DecimalText.TryParse(lastText, ushort.MaxValue, out ulong last) || last == 0)
        {
            return false;
        }

        if (first > last)
        {
            reversed = true;
            return false;
        }

        range = new PortRange((ushort)first, (ushort)last);
        return true;
    }

    /// <summary>"value" or "value/mask", each a 32-bit number (decimal or 0x hex). <paramref name="outsideMask"/>
    /// is set when the numbers are valid but the value has bits the mask does not cover.</summary>
    public static bool TryParseMark(ReadOnlySpan<char> text, out Mark mark, out bool outsideMask)
    {
        mark = default;
        outsideMask = false;
        int slash = text.IndexOf('/');
        ulong mask = uint.MaxValue;
        if (!TryParseNumber((slash < 0 ? text : text[..slash]).Trim(), uint.MaxValue, out ulong value)
            || (slash >= 0 && !TryParseNumber(text[(slash + 1)..].Trim(), uint.MaxValue, out mask)))
        {
            return false;
        }

        if ((value & ~mask) != 0)
        {
            outsideMask = true;
            return false;
        }

        mark = new Mark((uint)value, (uint)mask);
        return true;
    }

    /// <summary>Decimal (<see cref="DecimalText"/>) or "0x" hex (either case), at most <paramref name="max"/>.</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> text, ulong max, out ulong value)
    {
        if (text.Length > 2 && text[0] == '0' && (text[1] | 0x20) == 'x')
        {
            value = 0;
            foreach (char c in text[2..])
            {
                if (!char.IsAsciiHexDigit(c) || value > max >> 4)
                {
                    return false;
                }

                value = (value << 4) | (uint)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
            }

            return value <= max;
        }

        return DecimalText.TryParse(text, max, out value);
    }

    /// <summary>An Action word in any case: route, accept, drop or reject (a SetMark key makes a set-mark rule).</summary>
    public static bool TryParseAction(ReadOnlySpan<char> text, out RouterRuleAction action)
    {
        foreach (RouterRuleAction candidate in (ReadOnlySpan<RouterRuleAction>)[RouterRuleAction.Route, RouterRuleAction.Accept, RouterRuleAction.Drop, RouterRuleAction.Reject])
        {
            if (text.Equals(ActionName(candidate), StringComparison.OrdinalIgnoreCase))
            {
                action = candidate;
                return true;
            }
        }

        action = default;
        return false;
    }

    /// <summary>Whether a protocol has ports a rule can select: tcp, udp, udplite, sctp and dccp.</summary>
    public static bool HasPorts(byte protocol) => Policy.PacketSummary.HasPortsProtocol(protocol);

    /// <summary>"route", "accept", "drop", "reject" or "set_mark": the canonical word (the config file's, lower-case,
    /// for all but set_mark, which the config file writes as a SetMark key).</summary>
    public static string ActionName(RouterRuleAction action) => action switch
    {
        RouterRuleAction.Route => "route",
        RouterRuleAction.Accept => "accept",
        RouterRuleAction.Drop => "drop",
        RouterRuleAction.Reject => "reject",
        RouterRuleAction.SetMark => "set_mark",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "not a rule action"),
    };

    /// <summary>A key as it may appear in an error or log line: printable ASCII, shortened. Values are never shown
    /// this way in full (they may be keys).</summary>
    public static string Printable(ReadOnlySpan<char> key)
    {
        const int MaxLength = 40;
        Span<char> copy = stackalloc char[Math.Min(key.Length, MaxLength)];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = key[i] is >= ' ' and < (char)0x7F ? key[i] : '?';
        }

        return key.Length > MaxLength ? string.Concat(copy, "...") : copy.ToString();
    }

}
