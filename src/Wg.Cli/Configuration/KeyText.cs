// WireGuard keys in configuration files: base64 exactly as wg's key_from_base64 accepts it (44
// characters, one '=', and the unused low bits of the last character zero, so each key has one text).
using WgSharp.Noise.Keys;

namespace WgSharp.Cli.Configuration;

internal static class KeyText
{
    /// <summary>The message for any bad key; it never repeats the text (which may be a private key).</summary>
    public const string InvalidKeyMessage = "not a valid base64 WireGuard key (44 characters ending in '=')";

    public static bool TryParsePrivateKey(string text, out PrivateKey? key)
    {
        key = null;
        return IsCanonical(text) && PrivateKey.TryParseBase64(text, out key);
    }

    public static bool TryParsePresharedKey(string text, out PresharedKey? key)
    {
        key = null;
        return IsCanonical(text) && PresharedKey.TryParseBase64(text, out key);
    }

    public static bool TryParsePublicKey(string text, out PublicKey key)
    {
        key = default;
        return IsCanonical(text) && PublicKey.TryParseBase64(text, out key);
    }

    // 43 characters carry 258 bits for a 256-bit key: the last character's two low bits are padding and
    // must be zero, i.e. its value is a multiple of 4 (wg rejects the other encodings of the same key).
    private static bool IsCanonical(string text) =>
        text.Length == 44 && "AEIMQUYcgkosw048".Contains(text[42]);
}
