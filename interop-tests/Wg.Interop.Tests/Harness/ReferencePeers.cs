// Checks that the daemons and tools the interop tests drive are installed, failing (never skipping)
// with the command that installs them.
namespace WgSharp.Interop.Tests.Harness;

internal static class ReferencePeers
{
    public const string InstallHint =
        "run ../shared/tools/install-reference-peers.sh from the repository root (bash /work/shared/tools/install-reference-peers.sh)";

    /// <summary>Tools and where Debian installs them; `ip netns exec` finds them through PATH.</summary>
    private static readonly string[] Tools = ["ip", "wg", "ping", "ncat", "iperf3", "ss", "sh"];

    public static void RequireTools()
    {
        var missing = Tools.Where(t => FindOnPath(t) is null).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"missing tools: {string.Join(", ", missing)}; {InstallHint}");
        }
    }

    public static void Require(Implementation implementation)
    {
        RequireTools();
        if (File.Exists(implementation.Executable))
        {
            return;
        }

        throw new InvalidOperationException(implementation.IsReference
            ? $"reference peer {implementation} not found at {implementation.Executable}; {InstallHint}"
            : $"wgsharp launcher not found at {implementation.Executable}; build the daemon and add the repository-root `wgsharp` script");
    }

    private static string? FindOnPath(string tool)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
    }
}
