// Locating the daemons: the repository-root wgsharp launcher, and the failure (never a skip) when a
// reference peer or wgsharp is missing.
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.HarnessTests;

public sealed class ImplementationTests
{
    [Fact]
    public void WgSharpLauncherIsAtTheRepositoryRoot()
    {
        Assert.True(File.Exists(Path.Combine(RepositoryRoot.Path, RepositoryRoot.SolutionFile)));
        var wgsharp = Implementation.WgSharpFromRepository();
        Assert.Equal(ImplementationKind.WgSharp, wgsharp.Kind);
        Assert.Equal(Path.Combine(RepositoryRoot.Path, "wgsharp"), wgsharp.Executable);
        Assert.Equal("wgsharp", wgsharp.ToString());
    }

    [Fact(Timeout = 30_000)]
    public async Task MissingReferencePeerFailsWithTheInstallHint()
    {
        using var ns = await NetworkNamespace.CreateAsync();
        var missing = Implementation.WireguardGo.WithExecutable("/nonexistent/wireguard-go");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => WireGuardPeer.StartAsync(missing, ns));
        Assert.Contains("install-reference-peers.sh", error.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/wireguard-go", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task MissingWgSharpFailsNamingTheLauncher()
    {
        var missing = Implementation.WgSharp("/nonexistent/wgsharp");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TunnelPair.CreateAsync(missing, Implementation.WireguardGo));
        Assert.Contains("/nonexistent/wgsharp", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PairsNameEveryImplementationOnceInAll()
    {
        Assert.NotEmpty(Implementations.Pairs);
        Assert.Equal(Implementations.All.Count(), Implementations.All.Distinct().Count());
        Assert.All(Implementations.Pairs, p => Assert.Contains(p.A, Implementations.All));
    }
}
