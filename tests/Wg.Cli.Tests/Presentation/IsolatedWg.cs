// Runs the stock `wg` tool (or wireguard-go) with a private socket directory: in a new mount
// namespace (unshare -m, private propagation) the test's directory is bind-mounted over
// /var/run/wireguard, so `wg show all` sees exactly the test's sockets and none of the machine's, and
// nothing leaks outside. Every run is bounded by `timeout`.
using WgSharp.Cli.Tests.Support;

namespace WgSharp.Cli.Tests.Show;

internal static class IsolatedWg
{
    // $0 is the directory; the rest is the command.
    private const string Script = "mkdir -p /var/run/wireguard && mount --bind \"$0\" /var/run/wireguard && exec \"$@\"";

    /// <summary>The argument list that runs <paramref name="command"/> with the private socket directory.</summary>
    public static string[] Wrap(string socketDirectory, int timeoutSeconds, params string[] command) =>
        [timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "unshare", "--mount", "sh", "-c", Script,
            socketDirectory, .. command];

    /// <summary>`wg args` with environment <paramref name="environment"/> ("NAME=value" entries).</summary>
    public static Task<ProcessResult> WgAsync(string socketDirectory, string[] environment, params string[] args) =>
        ProcessRunner.RunAsync("timeout", Wrap(socketDirectory, 20, ["env", .. environment, "wg", .. args]),
            timeout: TimeSpan.FromSeconds(30));

    public static async Task<string> WgOkAsync(string socketDirectory, string[] environment, params string[] args)
    {
        ProcessResult result = await WgAsync(socketDirectory, environment, args);
        Assert.True(result.ExitCode == 0, $"wg {string.Join(' ', args)} failed:\n{result}");
        return result.StandardOutput;
    }
}
