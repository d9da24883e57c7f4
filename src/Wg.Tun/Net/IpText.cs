// IP address, prefix and endpoint text in exactly the forms Go's net/netip accepts and prints, which is what
// wireguard-go's UAPI uses (netip.ParseAddr / ParsePrefix / ParseAddrPort and their String methods): strict dotted
// quads (no leading zeros, no shorthand, unlike IPAddress.Parse), RFC 5952 IPv6 with IPv4-mapped addresses as
// ::ffff:a.b.c.d, IPv6 endpoints in brackets. The span methods here allocate nothing (the data path's endpoint
// text); the IPAddress/IPNetwork/IPEndPoint forms for the control plane are in IpText.Values.cs.
namespace WgSharp.Tun.Net;

public static partial class IpText
{
    /// <summary>Longest text TryFormat produces: eight groups of four hex digits and seven colons.</summary>
    public const int MaxLength = 39;

    /// <summary>
    /// Parses an IPv4 address (four decimal octets, no leading zeros) or an IPv6 address (RFC 4291 text with at
    /// most one "::", optional trailing dotted IPv4, optional "%zone"). Writes 4 or 16 bytes to
    /// <paramref name="address"/> (which must hold 16). <paramref name="zone"/> is empty unless a zone was given.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, Span<byte> address, out bool isIPv6, out ReadOnlySpan<char> zone)
    {
        isIPv6 = false;
        zone = default;
        foreach (char c in text)
        {
            switch (c)
            {
                case '.':
                    return TryParseIPv4Fields(text, address[..4]);
                case ':':
                    isIPv6 = true;
                    return TryParseIPv6(text, address[..16], out zone);
                case '%':
                    return false;
            }
        }
        return false;
    }

    private static bool TryParseIPv4Fields(ReadOnlySpan<char> s, Span<byte> fields)
    {
        int value = 0;
        int position = 0;
        int digits = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c is >= '0' and <= '9')
            {
                if (digits == 1 && value == 0)
                {
                    return false; // leading zero
                }
                value = value * 10 + (c - '0');
                digits++;
                if (value > 255)
                {
                    return false;
                }
            }
            else if (c == '.')
            {
                if (i == 0 || i == s.Length - 1 || s[i - 1] == '.' || position == 3)
                {
                    return false;
                }
                fields[position++] = (byte)value;
                value = 0;
                digits = 0;
            }
            else
            {
                return false;
            }
        }
        if (position < 3)
        {
            return false;
        }
        fields[3] = (byte)value;
        return true;
    }

    private static bool TryParseIPv6(ReadOnlySpan<char> s, Span<byte> ip, out ReadOnlySpan<char> zone)
    {
        zone = default;
        int percent = s.IndexOf('%');
        if (percent >= 0)
        {
            zone = s[(percent + 1)..];
            s = s[..percent];
            if (zone.IsEmpty)
            {
                return false;
            }
        }
        ip.Clear();
        int ellipsis = -1;
        if (s.Length >= 2 && s[0] == ':' && s[1] == ':')
        {
            ellipsis = 0;
            s = s[2..];
            if (s.IsEmpty)
            {
                return true;
            }
        }

        int i = 0;
        while (i < 16)
        {
            int offset = 0;
            uint accumulator = 0;
            for (; offset < s.Length; offset++)
            {
                int digit = HexValue(s[offset]);
                if (digit < 0)
                {
                    break;
                }
                if (offset > 3)
                {
                    return false; // more than four hex digits in a group
                }
                accumulator = (accumulator << 4) + (uint)digit;
            }
            if (offset == 0)
            {
                return false;
            }

            if (offset < s.Length && s[offset] == '.')
            {
                // A trailing dotted IPv4 must fill the last four bytes, unless "::" makes room before it.
                if ((ellipsis < 0 && i != 12) || i + 4 > 16)
                {
                    return false;
                }
                if (!TryParseIPv4Fields(s, ip.Slice(i, 4)))
                {
                    return false;
                }
                s = default;
                i += 4;
                break;
            }

            ip[i] = (byte)(accumulator >> 8);
            ip[i + 1] = (byte)accumulator;
            i += 2;

            s = s[offset..];
            if (s.IsEmpty)
            {
                break;
            }
            if (s[0] != ':' || s.Length == 1)
            {
                return false;
            }
            s = s[1..];
            if (s[0] == ':')
            {
                if (ellipsis >= 0)
                {
                    return false; // a second "::"
                }
                ellipsis = i;
                s = s[1..];
                if (s.IsEmpty)
                {
                    break;
                }
            }
        }

        if (!s.IsEmpty)
        {
            return false;
        }
        if (i < 16)
        {
            if (ellipsis < 0)
            {
                return false;
            }
            int gap = 16 - i;
            for (int j = i - 1; j >= ellipsis; j--)
            {
                ip[j + gap] = ip[j];
            }
            ip.Slice(ellipsis, gap).Clear();
        }
        else if (ellipsis >= 0)
        {
            return false; // "::" must stand for at least one group
        }
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>
    /// Formats 4 bytes as dotted decimal, or 16 bytes as RFC 5952 text (lower-case hex, the first longest run of
    /// two or more zero groups as "::"), with IPv4-mapped addresses as "::ffff:a.b.c.d", like Go's Addr.String.
    /// </summary>
    public static bool TryFormat(ReadOnlySpan<byte> address, Span<char> destination, out int written)
    {
        written = 0;
        if (address.Length == 4)
        {
            return TryFormatIPv4(address, destination, ref written);
        }
        if (address.Length != 16)
        {
            return false;
        }
        if (address[..10].IndexOfAnyExcept((byte)0) < 0 && address[10] == 0xff && address[11] == 0xff)
        {
            return TryAppend("::ffff:", destination, ref written) && TryFormatIPv4(address[12..], destination, ref written);
        }

        int zeroStart = -1;
        int zeroEnd = -1;
        for (int g = 0; g < 8; g++)
        {
            int end = g;
            while (end < 8 && Group(address, end) == 0)
            {
                end++;
            }
            if (end - g >= 2 && end - g > zeroEnd - zeroStart)
            {
                zeroStart = g;
                zeroEnd = end;
            }
        }

        for (int g = 0; g < 8; g++)
        {
            if (g == zeroStart)
            {
                if (!TryAppend("::", destination, ref written))
                {
                    return false;
                }
                g = zeroEnd;
                if (g >= 8)
                {
                    break;
                }
            }
            else if (g > 0 && !TryAppend(":", destination, ref written))
            {
                return false;
            }
            if (!Group(address, g).TryFormat(destination[written..], out int n, "x"))
            {
                return false;
            }
            written += n;
        }
        return true;
    }

    private static int Group(ReadOnlySpan<byte> address, int index) => (address[2 * index] << 8) | address[2 * index + 1];

    private static bool TryFormatIPv4(ReadOnlySpan<byte> address, Span<char> destination, ref int written)
    {
        for (int i = 0; i < 4; i++)
        {
            if (i > 0 && !TryAppend(".", destination, ref written))
            {
                return false;
            }
            if (!address[i].TryFormat(destination[written..], out int n))
            {
                return false;
            }
            written += n;
        }
        return true;
    }

    private static bool TryAppend(ReadOnlySpan<char> text, Span<char> destination, ref int written)
    {
        if (!text.TryCopyTo(destination[written..]))
        {
            return false;
        }
        written += text.Length;
        return true;
    }
}
