// The process's standard streams as plain descriptors. System.Console is avoided on purpose: on a
// terminal it initialises terminfo and writes a keypad-mode escape ("ESC[?1h ESC=") before any output,
// and it keeps private duplicates of fds 0-2 that a detached daemon could not let go of.
using System.Text;
using Microsoft.Win32.SafeHandles;
using WgSharp.Cli.Interop;

namespace WgSharp.Cli;

internal static class StandardStreams
{
    public const int Input = 0;
    public const int Output = 1;
    public const int Error = 2;

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>An unbuffered stream over the descriptor, which stays open when the stream is disposed.</summary>
    public static Stream Open(int fd, FileAccess access) =>
        new FileStream(new SafeFileHandle(fd, ownsHandle: false), access, bufferSize: 0);

    /// <summary>A UTF-8 writer over the descriptor that flushes every write (output must not wait in a buffer).</summary>
    public static TextWriter OpenWriter(int fd) => new StreamWriter(Open(fd, FileAccess.Write), Utf8) { AutoFlush = true };

    public static bool IsTerminal(int fd) => Libc.isatty(fd) == 1;
}
