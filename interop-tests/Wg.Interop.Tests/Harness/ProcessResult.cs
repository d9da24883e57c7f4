// The outcome of one external command: exit code, captured output, and whether it hit its timeout.
namespace WgSharp.Interop.Tests.Harness;

internal sealed record ProcessResult(
    string CommandLine,
    int ExitCode,
    string StandardOutput,
    string StandardError,
    TimeSpan Elapsed,
    bool TimedOut)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>A multi-line description for exception and assertion messages.</summary>
    public string Describe()
    {
        var status = TimedOut ? $"timed out after {Elapsed.TotalSeconds:F1} s (killed)" : $"exit code {ExitCode}";
        return $"`{CommandLine}`: {status}\n--- stdout ---\n{Tail(StandardOutput)}\n--- stderr ---\n{Tail(StandardError)}";
    }

    // Huge outputs (a 65,536-entry `wg show dump`) would drown the message; their end is what matters.
    private static string Tail(string text) => text.Length <= 8000 ? text : "..." + text[^8000..];
}
