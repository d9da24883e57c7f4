// Namespaces and their cleanup: unique names, commands inside, background processes killed and the
// namespace deleted on Dispose, and the sweep of a dead run's leftovers.
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.HarnessTests;

public sealed class NetworkNamespaceTests
{
    [Fact(Timeout = 30_000)]
    public async Task DisposeKillsBackgroundProcessesAndDeletesTheNamespace()
    {
        var ns = await NetworkNamespace.CreateAsync();
        int sleeper;
        try
        {
            Assert.True(ResourceNames.TryParseOwner(ns.Name, out var owner) && owner == Environment.ProcessId, ns.Name);
            var links = await ns.ExecCheckedAsync(["ip", "-o", "link", "show"]);
            // A fresh namespace holds loopback only, and it is up.
            Assert.Single(links.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("LOOPBACK,UP", links.StandardOutput, StringComparison.Ordinal);
            sleeper = ns.StartBackground(["sleep", "60"], TempFiles.NewPath("sleep.log")).Pid;
            Assert.True(StaleResourceSweeper.IsAlive(sleeper));
        }
        finally
        {
            ns.Dispose();
        }

        Assert.False(StaleResourceSweeper.IsAlive(sleeper), $"background pid {sleeper} survived Dispose");
        var list = await ProcessRunner.RunCheckedAsync(["ip", "netns", "list"]);
        Assert.DoesNotContain(ns.Name, list.StandardOutput, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task VethPairCarriesV4AndV6AtOnce()
    {
        using var a = await NetworkNamespace.CreateAsync();
        using var b = await NetworkNamespace.CreateAsync();
        var veth = await VethPair.ConnectAsync(a, b);
        // nodad: the IPv6 address works immediately, with no duplicate address detection wait.
        Assert.True((await Traffic.PingAsync(a, veth.B.V6, count: 1, deadline: TimeSpan.FromSeconds(3))).Succeeded);
        Assert.True((await Traffic.PingAsync(b, veth.A.V4, count: 1, deadline: TimeSpan.FromSeconds(3))).Succeeded);
    }

    [Fact(Timeout = 30_000)]
    public async Task SweepRemovesLeftoversOfDeadRunsOnly()
    {
        // A pid above the kernel's maximum (4194304) is never alive: a run that is certainly dead.
        const string Dead = "wgi9999999n1";
        const string DeadSocket = "/var/run/wireguard/wgi9999999w2.sock";
        var live = ResourceNames.Next('w');
        var liveSocket = WireGuardPeer.SocketPathFor(live);
        Directory.CreateDirectory(StaleResourceSweeper.SocketDirectory);
        await ProcessRunner.RunCheckedAsync(["ip", "netns", "add", Dead]);
        try
        {
            File.WriteAllText(DeadSocket, "");
            File.WriteAllText(liveSocket, "");
            var report = StaleResourceSweeper.Sweep();

            Assert.True(report.Namespaces >= 1 && report.Sockets >= 1, report.ToString());
            Assert.DoesNotContain(Dead, (await ProcessRunner.RunCheckedAsync(["ip", "netns", "list"])).StandardOutput, StringComparison.Ordinal);
            Assert.False(File.Exists(DeadSocket));
            Assert.True(File.Exists(liveSocket), "the sweep removed a live run's socket");
        }
        finally
        {
            await ProcessRunner.RunAsync(["ip", "netns", "del", Dead]);
            File.Delete(DeadSocket);
            File.Delete(liveSocket);
        }
    }

    [Fact]
    public void NamesFitInterfaceNamesAndCarryTheOwner()
    {
        var name = ResourceNames.Next('w');
        Assert.True(name.Length <= 15, name);
        Assert.True(ResourceNames.TryParseOwner(name, out var pid) && pid == Environment.ProcessId);
        Assert.False(ResourceNames.TryParseOwner("wg0", out _));
        Assert.False(ResourceNames.TryParseOwner("wgi123", out _));
        Assert.False(ResourceNames.TryParseOwner("tb123a", out _));
        Assert.NotEqual(name, ResourceNames.Next('w'));
    }
}
