// IP addresses, prefixes and endpoints as text, parsed and printed exactly as wireguard-go's
// net/netip does: strict dotted quads (no leading zeros, no shorthand, unlike IPAddress.Parse),
// RFC 5952 IPv6 with IPv4-mapped addresses as ::ffff:a.b.c.d, IPv6 endpoints in brackets.
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using WgSharp.Cli.Interop;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Uapi;

internal static class IpText
{
    /// <summary>An IPv4 or IPv6 address; an IPv6 zone ("%eth0" or "%2") only when <paramref name="allowZone"/>.</summary>
    public static bool TryParseAddress(ReadOnlySpan<char> text, bool allowZone, out IPAddress address)
    {
        address = IPAddress.None;
        Span<byte> bytes = stackalloc byte[16];
        foreach (char c in text)
        {
            if (c == '.')
            {
                if (!TryParseIPv4(text, bytes[..4]))
                {
                    return false;
                }

                address = new IPAddress(bytes[..4]);
                return true;
            }

            if (c == ':')
            {
                return TryParseIPv6(text, allowZone, bytes, out address);
            }

            if (c == '%')
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>"address/bits" as netip.ParsePrefix accepts it, with host bits then cleared.</summary>
    public static bool TryParsePrefix(ReadOnlySpan<char> text, out IPNetwork network)
    {
        network = default;
        int slash = text.LastIndexOf('/');
        if (slash < 0 || !TryParseAddress(text[..slash], allowZone: false, out IPAddress address))
        {
            return false;
        }

        ReadOnlySpan<char> bitsText = text[(slash + 1)..];
        int maxBits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        // Decimal digits only, no sign, no leading zero (netip.ParsePrefix).
        if (bitsText.Length == 0 || bitsText.Length > 3 || (bitsText.Length > 1 && bitsText[0] == '0')
            || !UapiSyntax.TryParseDecimal(bitsText, (ulong)maxBits, out ulong bits))
        {
            return false;
        }

        network = NetworkPrefix.Canonical(address, (int)bits);
        return true;
    }

    /// <summary>"a.b.c.d:port" or "[ipv6%zone]:port" (netip.ParseAddrPort).</summary>
    public static bool TryParseEndpoint(ReadOnlySpan<char> text, out IPEndPoint endpoint)
    {
        endpoint = null!;
        int colon = text.LastIndexOf(':');
        if (colon < 0 || !UapiSyntax.TryParseDecimal(text[(colon + 1)..], ushort.MaxValue, out ulong port))
        {
            return false;
        }

        ReadOnlySpan<char> host = text[..colon];
        bool bracketed = host.Length >= 2 && host[0] == '[' && host[^1] == ']';
        if (bracketed)
        {
            host = host[1..^1];
        }

        if (!TryParseAddress(host, allowZone: true, out IPAddress address)
            || bracketed != (address.AddressFamily == AddressFamily.InterNetworkV6))
        {
            return false;
        }

        endpoint = new IPEndPoint(address, (int)port);
        return true;
    }

    public static string Format(IPAddress address)
    {
        var builder = new StringBuilder(46);
        Append(builder, address);
        return builder.ToString();
    }

    public static string Format(IPNetwork network)
    {
        var builder = new StringBuilder(50);
        Append(builder, network.BaseAddress);
        return builder.Append('/').Append(network.PrefixLength).ToString();
    }

    public static string Format(IPEndPoint endpoint)
    {
        var builder = new StringBuilder(56);
        bool v6 = endpoint.AddressFamily == AddressFamily.InterNetworkV6;
        builder.Append(v6 ? "[" : "");
        Append(builder, endpoint.Address);
        return builder.Append(v6 ? "]:" : ":").Append(endpoint.Port).ToString();
    }

    private static void Append(StringBuilder builder, IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int length);
        if (length == 4)
        {
            AppendIPv4(builder, bytes[..4]);
            return;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            builder.Append("::ffff:");
            AppendIPv4(builder, bytes[12..16]);
        }
        else
        {
            AppendIPv6(builder, bytes);
        }

        if (address.ScopeId != 0)
        {
            builder.Append('%').Append(address.ScopeId);
        }
    }

    private static void AppendIPv4(StringBuilder builder, ReadOnlySpan<byte> bytes) =>
        builder.Append(bytes[0]).Append('.').Append(bytes[1]).Append('.').Append(bytes[2]).Append('.').Append(bytes[3]);

    // RFC 5952 section 4: lower-case hex without leading zeros, the first longest run of two or more
    // zero groups written as "::".
    private static void AppendIPv6(StringBuilder builder, ReadOnlySpan<byte> bytes)
    {
        int bestStart = -1, bestLength = 1;
        for (int i = 0; i < 8;)
        {
            int j = i;
            while (j < 8 && Group(bytes, j) == 0)
            {
                j++;
            }

            if (j - i > bestLength)
            {
                bestStart = i;
                bestLength = j - i;
            }

            i = j == i ? i + 1 : j;
        }

        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                builder.Append("::");
                i += bestLength - 1;
                continue;
            }

            if (i > 0 && i != bestStart + bestLength)
            {
                builder.Append(':');
            }

            builder.Append(Group(bytes, i).ToString("x", CultureInfo.InvariantCulture));
        }
    }

    private static int Group(ReadOnlySpan<byte> bytes, int index) => (bytes[2 * index] << 8) | bytes[(2 * index) + 1];

    // Exactly four decimal fields of 0-255 without leading zeros (netip rejects "010.0.0.1" as ambiguous).
    private static bool TryParseIPv4(ReadOnlySpan<char> text, Span<byte> bytes)
    {
        int field = 0;
        int start = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] != '.')
            {
                continue;
            }

            ReadOnlySpan<char> part = text[start..i];
            if (field == 4 || part.Length == 0 || part.Length > 3 || (part.Length > 1 && part[0] == '0')
                || !UapiSyntax.TryParseDecimal(part, 255, out ulong value))
            {
                return false;
            }

            bytes[field++] = (byte)value;
            start = i + 1;
        }

        return field == 4;
    }

    private static bool TryParseIPv6(ReadOnlySpan<char> text, bool allowZone, Span<byte> bytes, out IPAddress address)
    {
        address = IPAddress.None;
        long scopeId = 0;
        int percent = text.IndexOf('%');
        if (percent >= 0)
        {
            ReadOnlySpan<char> zone = text[(percent + 1)..];
            if (!allowZone || !TryParseZone(zone, out scopeId))
            {
                return false;
            }

            text = text[..percent];
        }

        bytes.Clear();
        int ellipsis = -1; // byte offset where "::" stands
        int filled = 0;
        ReadOnlySpan<char> rest = text;
        if (rest.StartsWith("::"))
        {
            ellipsis = 0;
            rest = rest[2..];
        }

        while (rest.Length > 0 && filled < 16)
        {
            int digits = 0;
            int group = 0;
            while (digits < rest.Length && char.IsAsciiHexDigit(rest[digits]))
            {
                if (digits == 4)
                {
                    return false;
                }

                group = (group << 4) | HexValue(rest[digits]);
                digits++;
            }

            if (digits == 0)
            {
                return false;
            }

            if (digits < rest.Length && rest[digits] == '.')
            {
                // A trailing dotted quad fills the last 32 bits (RFC 4291 section 2.2, form 3).
                if ((ellipsis < 0 && filled != 12) || filled + 4 > 16 || !TryParseIPv4(rest, bytes.Slice(filled, 4)))
                {
                    return false;
                }

                filled += 4;
                rest = [];
                break;
            }

            bytes[filled++] = (byte)(group >> 8);
            bytes[filled++] = (byte)group;
            rest = rest[digits..];
            if (rest.Length == 0)
            {
                break;
            }

            if (rest[0] != ':' || rest.Length == 1)
            {
                return false;
            }

            rest = rest[1..];
            if (rest[0] == ':')
            {
                if (ellipsis >= 0)
                {
                    return false;
                }

                ellipsis = filled;
                rest = rest[1..];
            }
        }

        if (rest.Length != 0)
        {
            return false;
        }

        if (filled < 16)
        {
            if (ellipsis < 0)
            {
                return false;
            }

            int gap = 16 - filled;
            bytes[ellipsis..filled].CopyTo(bytes[(ellipsis + gap)..]);
            bytes.Slice(ellipsis, gap).Clear();
        }
        else if (ellipsis >= 0)
        {
            return false; // "::" must stand for at least one zero group
        }

        address = new IPAddress(bytes, scopeId);
        return true;
    }

    // A zone is a scope id or an interface name (RFC 4007 section 11.2); names must exist here,
    // because a link-local endpoint without a usable scope cannot be sent to.
    private static bool TryParseZone(ReadOnlySpan<char> zone, out long scopeId)
    {
        scopeId = 0;
        if (zone.Length == 0 || zone.Length > 15)
        {
            return false;
        }

        if (UapiSyntax.TryParseDecimal(zone, uint.MaxValue, out ulong number))
        {
            scopeId = (long)number;
            return true;
        }

        foreach (char c in zone)
        {
            if (c <= ' ' || c >= 0x7F || c == '/' || c == ':' || c == '%')
            {
                return false;
            }
        }

        scopeId = Libc.if_nametoindex(zone.ToString());
        return scopeId != 0;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
