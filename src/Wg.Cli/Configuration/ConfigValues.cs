// The value syntaxes of configuration files: numbers, marks, prefixes, ports, protocols, names, and
// how a value is quoted in an error message (never a key, never a very long or unprintable text).
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Configuration;

internal static class ConfigValues
{
    private const int MaxQuotedLength = 60;

    // A run this long of base64 characters with a letter in it is treated as (part of) a key and never
    // echoed: values that are not keys (names, addresses, commands) have separators far more often.
    private const int KeyLikeRun = 20;

    /// <summary>The value in single quotes for an error message, with unprintable characters as '?',
    /// long values cut, and anything that might be key material replaced by a description.</summary>
    public static string Quote(ReadOnlySpan<char> value)
    {
        int run = 0;
        bool runHasLetter = false;
        foreach (char c in value)
        {
            bool inAlphabet = char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=';
            run = inAlphabet ? run + 1 : 0;
            runHasLetter = inAlphabet && (runHasLetter || char.IsAsciiLetter(c));
            if (run >= KeyLikeRun && runHasLetter)
            {
                return "(a value that looks like a key)";
            }
        }

        var text = new StringBuilder(Math.Min(value.Length, MaxQuotedLength) + 5).Append('\'');
        foreach (char c in value.Length > MaxQuotedLength ? value[..MaxQuotedLength] : value)
        {
            text.Append(c is >= ' ' and < (char)0x7F ? c : '?');
        }

        return text.Append(value.Length > MaxQuotedLength ? "...'" : "'").ToString();
    }

    /// <summary>A key or section name that can be echoed safely: a short identifier.</summary>
    public static bool IsIdentifier(ReadOnlySpan<char> text)
    {
        if (text.Length is 0 or > 32 || !char.IsAsciiLetter(text[0]))
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The text without any white space (wg's config.c removes all of it from a line).</summary>
    public static string RemoveWhiteSpace(string text)
    {
        if (!text.AsSpan().ContainsAny(WhiteSpace))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (!char.IsWhiteSpace(c))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> WhiteSpace = System.Buffers.SearchValues.Create(" \t\r\n\v\f\u00a0\u2028\u2029");

    /// <summary>Items of a list separated by commas and/or white space, empty ones skipped (wg-quick's
    /// <c>${value//,/ }</c> word splitting for Address and DNS).</summary>
    public static IEnumerable<string> SplitWords(string value) =>
        value.Split([',', ' ', '\t', '\r', '\v', '\f'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Digits and dots only: wg-quick's test for a DNS entry being an address (<c>^[0-9.]+$</c>).</summary>
    public static bool LooksNumeric(ReadOnlySpan<char> text) =>
        text.Length > 0 && text.IndexOfAnyExcept("0123456789.") < 0;

    /// <summary>Decimal digits, or "0x"/"0X" and hex digits (iproute2's get_u32 with base 0, minus octal),
    /// at most <paramref name="max"/>.</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> text, ulong max, out ulong value) =>
        PolicyGrammar.TryParseNumber(text, max, out value);

    /// <summary>wg's parse_fwmark: "off" (any case), or a decimal number, or "0x" and hex digits, up to 0xffffffff.</summary>
    public static bool TryParseFwMark(ReadOnlySpan<char> text, out uint mark)
    {
        mark = 0;
        if (text.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        bool ok = text.Length > 2 && text[0] == '0' && text[1] == 'x'
            ? PolicyGrammar.TryParseNumber(text, uint.MaxValue, out ulong value)
            : UapiSyntax.TryParseDecimal(text, uint.MaxValue, out value);
        mark = (uint)value;
        return ok;
    }

    /// <summary>wg's parse_persistent_keepalive: "off" (any case) or decimal seconds 0-65535.</summary>
    public static bool TryParseKeepalive(ReadOnlySpan<char> text, out ushort seconds)
    {
        seconds = 0;
        if (text.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        bool ok = UapiSyntax.TryParseDecimal(text, ushort.MaxValue, out ulong value);
        seconds = (ushort)value;
        return ok;
    }

    /// <summary>
    /// One AllowedIPs entry as wg's parse_allowedips reads it: an address (inet_pton: strict dotted quad
    /// or IPv6, no zone), then optionally "/" and a decimal prefix length (leading zeros allowed); without
    /// one the prefix is the whole address. The result is canonical; <paramref name="hostBitsSet"/> says
    /// whether bits were cleared (wg warns then).
    /// </summary>
    public static bool TryParsePrefix(ReadOnlySpan<char> text, out IPNetwork network, out bool hostBitsSet)
    {
        network = default;
        hostBitsSet = false;
        int slash = text.IndexOf('/');
        ReadOnlySpan<char> addressText = slash < 0 ? text : text[..slash];
        if (!IpText.TryParseAddress(addressText, allowZone: false, out IPAddress address))
        {
            return false;
        }

        int maxBits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        ulong bits = (ulong)maxBits;
        if (slash >= 0 && !UapiSyntax.TryParseDecimal(text[(slash + 1)..], (ulong)maxBits, out bits))
        {
            return false;
        }

        network = NetworkPrefix.Canonical(address, (int)bits);
        hostBitsSet = !network.BaseAddress.Equals(address);
        return true;
    }

    /// <summary>An Address entry: an address with an optional prefix length (none: the whole address,
    /// as `ip address add` takes it). Host bits are kept.</summary>
    public static bool TryParseInterfaceAddress(ReadOnlySpan<char> text, out RoutePrefix result)
    {
        result = default;
        int slash = text.IndexOf('/');
        if (!IpText.TryParseAddress(slash < 0 ? text : text[..slash], allowZone: false, out IPAddress address))
        {
            return false;
        }

        int maxBits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        ulong bits = (ulong)maxBits;
        if (slash >= 0 && !UapiSyntax.TryParseDecimal(text[(slash + 1)..], (ulong)maxBits, out bits))
        {
            return false;
        }

        result = new RoutePrefix(address, (int)bits);
        return true;
    }

    /// <summary>yes/no, true/false, on/off, in any case.</summary>
    public static bool TryParseBoolean(ReadOnlySpan<char> text, out bool value)
    {
        value = text.Equals("yes", StringComparison.OrdinalIgnoreCase) || text.Equals("true", StringComparison.OrdinalIgnoreCase)
            || text.Equals("on", StringComparison.OrdinalIgnoreCase);
        return value || text.Equals("no", StringComparison.OrdinalIgnoreCase) || text.Equals("false", StringComparison.OrdinalIgnoreCase)
            || text.Equals("off", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A DNS name (RFC 1123 section 2.1, plus '_' as resolvers allow): dot-separated labels of
    /// 1-63 letters, digits, '-' or '_', not starting or ending with '-', at most 253 characters, an
    /// optional final dot.</summary>
    public static bool IsHostName(ReadOnlySpan<char> text)
    {
        if (text.EndsWith('.'))
        {
            text = text[..^1];
        }

        if (text.Length is 0 or > 253)
        {
            return false;
        }

        foreach (Range range in text.Split('.'))
        {
            ReadOnlySpan<char> label = text[range];
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (char c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>A WgSharp peer name: 1-32 letters, digits, '_', '-' or '.', starting with a letter or digit.</summary>
    public static bool IsPeerName(ReadOnlySpan<char> text)
    {
        if (text.Length is 0 or > 32 || !char.IsAsciiLetterOrDigit(text[0]))
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    public static string Format(uint value) => value.ToString(CultureInfo.InvariantCulture);
}
