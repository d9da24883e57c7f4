// The process surroundings a command runs in (standard streams, stdout's file mode, the clock), injectable so
// tests can run commands in-process.
using WgSharp.Cli.Interop;

namespace WgSharp.Cli;

internal sealed class CliContext
{
    public required Stream Input { get; init; }

    public required Stream Output { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>True when standard output is a regular file that other users may read or write
    /// (`wg genkey` warns then: the key would be readable by anyone).</summary>
    public required Func<bool> OutputIsWorldAccessibleFile { get; init; }

    /// <summary>The one clock commands read (deadlines, durations, timestamps); a fake one in tests.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public static CliContext FromProcess() => new()
    {
        Input = StandardStreams.Open(StandardStreams.Input, FileAccess.Read),
        Output = StandardStreams.Open(StandardStreams.Output, FileAccess.Write),
        Error = StandardStreams.OpenWriter(StandardStreams.Error),
        OutputIsWorldAccessibleFile = static () =>
            Libc.TryStat(1, "", Libc.AtEmptyPath, out Libc.FileIdentity stdout)
            && stdout.IsRegularFile
            && (stdout.Mode & 0x7) != 0, // S_IRWXO
        Clock = TimeProvider.System,
    };

    public void WriteLine(string text)
    {
        Span<byte> bytes = stackalloc byte[System.Text.Encoding.UTF8.GetMaxByteCount(text.Length) + 1];
        int length = System.Text.Encoding.UTF8.GetBytes(text, bytes);
        bytes[length] = (byte)'\n';
        Output.Write(bytes[..(length + 1)]);
        Output.Flush();
    }
}
