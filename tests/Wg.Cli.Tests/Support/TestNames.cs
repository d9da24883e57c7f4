// Unique names for resources shared machine-wide (interface names, whose sockets live in
// /var/run/wireguard) and private temporary directories, so parallel runs never collide.
namespace WgSharp.Cli.Tests.Support;

internal static class TestNames
{
    private static int s_counter;

    /// <summary>"wguT" + pid + counter: at most 15 characters, a valid interface name.</summary>
    public static string InterfaceName() => $"wguT{Environment.ProcessId}{Interlocked.Increment(ref s_counter) % 100}";

    /// <summary>A new empty directory under /tmp that the caller deletes.</summary>
    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), $"wgsharp-cli-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}");
        Directory.CreateDirectory(path);
        return path;
    }
}
