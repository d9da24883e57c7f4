// Small lexical rules of the UAPI text protocol shared by the set parser, the get parser and the client.
namespace WgSharp.Cli.Uapi;

internal static class UapiSyntax
{
    /// <summary>Unsigned decimal as Go's strconv.ParseUint(s, 10, bits) takes it: at least one digit,
    /// digits only (no sign or white space; leading zeros allowed), at most <paramref name="max"/>.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<char> text, ulong max, out ulong value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            ulong digit = (ulong)(c - '0');
            if (digit > max || value > (max - digit) / 10)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }

    /// <summary>Splits "key=value" at the first '='.</summary>
    public static bool TrySplit(ReadOnlySpan<char> line, out ReadOnlySpan<char> key, out ReadOnlySpan<char> value)
    {
        int equals = line.IndexOf('=');
        if (equals < 0)
        {
            key = value = default;
            return false;
        }

        key = line[..equals];
        value = line[(equals + 1)..];
        return true;
    }

    /// <summary>A key as it may appear in a log line: printable ASCII, shortened. Values are never logged
    /// this way (they may be keys).</summary>
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
