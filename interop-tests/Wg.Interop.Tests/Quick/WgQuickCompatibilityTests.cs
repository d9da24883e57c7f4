// The stock wg-quick with WG_QUICK_USERSPACE_IMPLEMENTATION=<repository>/wgsharp, exactly as it drives
// wireguard-go: `ip link add ... type wireguard` fails, it starts wgsharp, configures it with `wg`, and
// `wg-quick down` deletes the link, which stops the daemon.
// wg-quick runs with its output in files: the daemon it starts keeps the stderr it inherited from
// wg-quick open (a daemon-side leak, see the report), which would hold a captured pipe open until `down`.
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Quick;

public sealed class WgQuickCompatibilityTests
{
    [Fact(Timeout = 180_000)]
    public async Task WgQuickBringsAWgSharpTunnelUpAndDown()
    {
        using var topology = await QuickTopology.CreateAsync();
        var before = await RoutingSnapshot.TakeAsync(topology.Client);
        var wg = topology.NewInterface("10.8.0.0/24, fd08::/64");
        var environment = new Dictionary<string, string> { ["WG_QUICK_USERSPACE_IMPLEMENTATION"] = RepositoryRoot.WgSharpLauncher };

        var (up, upOutput) = await WgQuickAsync(topology.Client, "up", wg.ConfigPath, environment);
        Assert.True(up.Succeeded, up.Describe() + upOutput);
        Assert.Contains($"[#] {RepositoryRoot.WgSharpLauncher} {wg.Name}", upOutput);
        var ping = await Traffic.PingAsync(topology.Client, QuickTopology.ServerTunnelV4, count: 2);
        Assert.True(ping.Succeeded, ping.ToString());
        ping = await Traffic.PingAsync(topology.Client, QuickTopology.ServerTunnelV6, count: 2);
        Assert.True(ping.Succeeded, ping.ToString());

        var (down, downOutput) = await WgQuickAsync(topology.Client, "down", wg.ConfigPath, environment);
        Assert.True(down.Succeeded, down.Describe() + downOutput);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (File.Exists(wg.SocketPath) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.False(File.Exists(wg.SocketPath), "the daemon did not stop after `wg-quick down` deleted its link");
        Assert.False(await wg.LinkExistsAsync());
        Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(topology.Client)).Text);
    }

    private static async Task<(ProcessResult Result, string Output)> WgQuickAsync(
        NetworkNamespace ns, string verb, string path, IReadOnlyDictionary<string, string> environment)
    {
        var output = TempFiles.NewPath("wg-quick-" + verb);
        var result = await ns.ExecAsync(["sh", "-c", "exec wg-quick \"$1\" \"$2\" </dev/null >\"$3\" 2>&1", "sh", verb, path, output],
            QuickInterface.CommandTimeout, environment);
        return (result, File.Exists(output) ? File.ReadAllText(output) : "");
    }
}
