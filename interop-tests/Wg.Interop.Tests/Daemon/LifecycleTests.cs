// Daemon lifecycle as wg-quick and service managers rely on it: deleting the link or sending SIGTERM
// makes the daemon exit promptly and remove its UAPI socket.
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Daemon;

public sealed class LifecycleTests
{
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(5);

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Implementations.SingleData), MemberType = typeof(Implementations))]
    public async Task ExitsAndRemovesSocketWhenLinkIsDeleted(Implementation implementation)
    {
        using var ns = await NetworkNamespace.CreateAsync();
        using var daemon = await WireGuardPeer.StartAsync(implementation, ns);
        await daemon.SetLinkUpAsync(1420);

        await ns.ExecCheckedAsync(["ip", "link", "del", "dev", daemon.InterfaceName]);
        Assert.True(await daemon.WaitForExitAsync(ExitWithin), $"{daemon} still running {ExitWithin.TotalSeconds} s after `ip link del`\n{daemon.Describe()}");
        Assert.False(File.Exists(daemon.SocketPath), $"{daemon} left {daemon.SocketPath} behind\n{daemon.Describe()}");
    }

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Implementations.SingleData), MemberType = typeof(Implementations))]
    public async Task ExitsAndRemovesSocketAndLinkOnSigterm(Implementation implementation)
    {
        using var ns = await NetworkNamespace.CreateAsync();
        using var daemon = await WireGuardPeer.StartAsync(implementation, ns);
        await daemon.SetLinkUpAsync(1420);

        daemon.SendTerminate();
        Assert.True(await daemon.WaitForExitAsync(ExitWithin), $"{daemon} still running {ExitWithin.TotalSeconds} s after SIGTERM\n{daemon.Describe()}");
        Assert.False(File.Exists(daemon.SocketPath), $"{daemon} left {daemon.SocketPath} behind\n{daemon.Describe()}");
        var link = await ns.ExecAsync(["ip", "link", "show", "dev", daemon.InterfaceName]);
        Assert.False(link.Succeeded, $"{daemon.InterfaceName} still exists after the daemon exited: {link.Describe()}");
    }
}
