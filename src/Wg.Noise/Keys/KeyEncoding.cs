// The two text forms of a 32-byte WireGuard key: base64 (44 characters with one '=', as `wg` and
// config files use) and hex (64 characters, as the cross-platform UAPI uses).
namespace WgSharp.Noise.Keys;

internal static class KeyEncoding
{
    public const int KeySize = 32;
    public const int Base64Length = 44;
    public const int HexLength = 64;

    public static bool TryDecodeBase64(ReadOnlySpan<char> text, Span<byte> key)
    {
        // Exactly 44 characters ending in a single '=': Convert would also accept white space,
        // missing padding or a different length, none of which `wg` accepts.
        if (text.Length != Base64Length || text[^1] != '=' || text[^2] == '=')
        {
            return false;
        }

        foreach (char c in text[..^1])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '+' || c == '/'))
            {
                return false;
            }
        }

        // Canonical only: the last character's two unused bits must be zero, so each key has exactly
        // one text form (as `wg` requires; "...LCp=" and "...LCo=" must not both decode).
        if (!Convert.TryFromBase64Chars(text, key, out int written) || written != KeySize)
        {
            return false;
        }

        Span<char> canonical = stackalloc char[Base64Length];
        return Convert.TryToBase64Chars(key, canonical, out _) && canonical.SequenceEqual(text);
    }

    public static bool TryDecodeHex(ReadOnlySpan<char> text, Span<byte> key)
    {
        if (text.Length != HexLength)
        {
            return false;
        }

        for (int i = 0; i < KeySize; i++)
        {
            int high = HexValue(text[2 * i]);
            int low = HexValue(text[(2 * i) + 1]);
            if ((high | low) < 0)
            {
                return false;
            }

            key[i] = (byte)((high << 4) | low);
        }

        return true;
    }

    public static string ToBase64(ReadOnlySpan<byte> key) => Convert.ToBase64String(key);

    public static string ToHex(ReadOnlySpan<byte> key) => Convert.ToHexStringLower(key);

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
