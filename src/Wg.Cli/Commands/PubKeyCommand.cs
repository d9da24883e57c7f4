// `wgsharp pubkey`: reads a base64 private key from standard input and prints its public key,
// accepting input exactly as `wg pubkey` does: the 44 key characters first, then only white space or
// NUL bytes up to end of input.
using WgSharp.Noise.Keys;

namespace WgSharp.Cli.Commands;

internal static class PubKeyCommand
{
    private const int Base64Length = 44;

    public static int Run(CliContext context, string[] args)
    {
        if (args.Length != 0)
        {
            context.Error.WriteLine("Usage: wgsharp pubkey");
            return 1;
        }

        Span<byte> text = stackalloc byte[Base64Length];
        Span<char> chars = stackalloc char[Base64Length];
        try
        {
            if (context.Input.ReadAtLeast(text, Base64Length, throwOnEndOfStream: false) != Base64Length)
            {
                return Fail(context, "Key is not the correct length or format");
            }

            if (!OnlyWhiteSpaceFollows(context.Input))
            {
                return Fail(context, "Trailing characters found after key");
            }

            for (int i = 0; i < Base64Length; i++)
            {
                chars[i] = (char)text[i];
            }

            if (!PrivateKey.TryParseBase64(chars, out PrivateKey? privateKey))
            {
                return Fail(context, "Key is not the correct length or format");
            }

            using (privateKey)
            {
                GenKeyCommand.WriteKeyLine(context.Output, privateKey!.ComputePublicKey().ToBase64());
            }

            return 0;
        }
        finally
        {
            text.Clear();
            chars.Clear();
        }
    }

    // Reads to end of input in small chunks (never all of it at once), stopping at the first byte that
    // is neither NUL nor C isspace().
    private static bool OnlyWhiteSpaceFollows(Stream input)
    {
        Span<byte> chunk = stackalloc byte[512];
        int read;
        while ((read = input.Read(chunk)) > 0)
        {
            foreach (byte b in chunk[..read])
            {
                if (b is not (0 or (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static int Fail(CliContext context, string message)
    {
        context.Error.WriteLine("wgsharp: " + message);
        return 1;
    }
}
