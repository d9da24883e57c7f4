// Free text (rule descriptions, flow states) inside one line of the wgsharp UAPI extension: UTF-8 with
// every byte outside printable ASCII, and '%' itself, written as %XX (upper-case hex), so that no value
// can carry a newline or a control character, and decoding is exact.
using System.Text;

namespace WgSharp.Cli.Uapi;

internal static class PercentText
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Encode(string text)
    {
        // A lone surrogate (not text) becomes U+FFFD rather than an exception.
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var builder = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            if (b is > 0x20 and < 0x7F && b != (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(HexDigit(b >> 4)).Append(HexDigit(b & 0xF));
            }
        }

        return builder.ToString();
    }

    /// <summary>False for anything <see cref="Encode"/> cannot have written: a byte that should have been
    /// escaped, a '%' without two upper-case hex digits, an escape of a byte that needs none, or bytes that
    /// are not UTF-8.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, out string decoded)
    {
        decoded = "";
        var bytes = new byte[text.Length];
        int count = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length)
                {
                    return false;
                }

                int high = HexValue(text[i + 1]), low = HexValue(text[i + 2]);
                if (high < 0 || low < 0)
                {
                    return false;
                }

                byte b = (byte)((high << 4) | low);
                if (b is > 0x20 and < 0x7F && b != (byte)'%')
                {
                    return false; // one text, one encoding
                }

                bytes[count++] = b;
                i += 2;
            }
            else if (c is > ' ' and < (char)0x7F)
            {
                bytes[count++] = (byte)c;
            }
            else
            {
                return false;
            }
        }

        try
        {
            decoded = StrictUtf8.GetString(bytes, 0, count);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
