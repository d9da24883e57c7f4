// The process's standard streams as plain descriptors. System.Console is avoided on purpose: on a
// terminal it initialises terminfo and writes a keypad-mode escape ("ESC[?1h ESC=") before any output,
// and it keeps private duplicates of fds 0-2 that a detached daemon could not let go of.
using System.Text;
using WgSharp.Cli.Interop;

namespace WgSharp.Cli;

internal static class StandardStreams
{
    public const int Input = 0;
    public const int Output = 1;
    public const int Error = 2;

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>An unbuffered stream over the descriptor at the kernel's file offset (shared with the
    /// shell and the other processes writing to the same file), which never closes the descriptor.</summary>
    public static Stream Open(int fd, FileAccess access) => new DescriptorStream(fd, access);

    /// <summary>A UTF-8 writer over the descriptor that flushes every write (output must not wait in a buffer).</summary>
    public static TextWriter OpenWriter(int fd) => new StreamWriter(Open(fd, FileAccess.Write), Utf8) { AutoFlush = true };

    public static bool IsTerminal(int fd) => Libc.isatty(fd) == 1;
}
