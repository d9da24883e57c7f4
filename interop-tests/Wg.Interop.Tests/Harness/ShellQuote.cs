// Quotes a string as one POSIX shell word, for the few commands that need `sh -c` redirections.
namespace WgSharp.Interop.Tests.Harness;

internal static class ShellQuote
{
    // Inside single quotes nothing is special except the quote itself, which is closed, escaped, reopened.
    public static string Word(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
