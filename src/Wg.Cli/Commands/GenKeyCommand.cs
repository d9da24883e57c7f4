// `wgsharp genkey` and `wgsharp genpsk`: a new random key in base64 on standard output, byte for
// byte what `wg genkey` / `wg genpsk` print (44 characters and a newline; private keys clamped).
using WgSharp.Noise;
using WgSharp.Noise.Keys;

namespace WgSharp.Cli.Commands;

internal static class GenKeyCommand
{
    public static int RunPrivate(CliContext context, string[] args) => Run(context, args, "genkey", preshared: false);

    public static int RunPreshared(CliContext context, string[] args) => Run(context, args, "genpsk", preshared: true);

    private static int Run(CliContext context, string[] args, string name, bool preshared)
    {
        if (args.Length != 0)
        {
            context.Error.WriteLine($"Usage: wgsharp {name}");
            return 1;
        }

        if (context.OutputIsWorldAccessibleFile())
        {
            context.Error.Write("Warning: writing to world accessible file.\nConsider setting the umask to 077 and trying again.\n");
        }

        using SecretKey key = preshared
            ? PresharedKey.Generate(SystemRandomSource.Instance)
            : PrivateKey.Generate(SystemRandomSource.Instance);
        WriteKeyLine(context.Output, key.ExportBase64());
        return 0;
    }

    /// <summary>Writes a 44-character base64 key and a newline in one write, then zeroes the bytes.</summary>
    internal static void WriteKeyLine(Stream output, string base64)
    {
        Span<byte> line = stackalloc byte[base64.Length + 1];
        for (int i = 0; i < base64.Length; i++)
        {
            line[i] = (byte)base64[i];
        }

        line[^1] = (byte)'\n';
        output.Write(line);
        output.Flush();
        line.Clear();
    }
}
