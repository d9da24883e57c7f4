// Unsigned decimal numbers as Go's strconv.ParseUint(s, 10, bits) takes them, which is how wg and wireguard-go read
// every number of the UAPI and of wg's configuration keys.
namespace WgSharp.Tun.Net;

public static class DecimalText
{
    /// <summary>At least one digit, digits only (no sign or white space; leading zeros allowed), at most
    /// <paramref name="max"/>.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, ulong max, out ulong value)
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
}
