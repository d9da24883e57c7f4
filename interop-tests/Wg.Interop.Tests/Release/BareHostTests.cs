// The release binary on a host without .NET and without the distribution's libsodium (BareHost):
// it brings a tunnel up against wireguard-go and moves data; with no libsodium at all it refuses to
// start, naming the library and what to install, before it creates anything.
using System.Globalization;
using WgSharp.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace WgSharp.Interop.Tests.Release;

public sealed class BareHostTests(ITestOutputHelper output)
{
    [Fact(Timeout = 1_800_000)]
    public async Task Release_binary_without_dotnet_or_system_libsodium_tunnels_to_wireguard_go_and_moves_data()
    {
        var release = await ReleaseBuild.UnpackedAsync();
        var bare = BareHost.WriteWrapper(null);
        var daemon = BareHost.WriteWrapper(Path.Combine(release, "wgsharp"));

        // The simulation really hides them: no dotnet, and the system's libsodium is not a library there.
        var check = await ProcessRunner.RunAsync([bare, "sh", "-c",
            "test ! -e /usr/share/dotnet/dotnet && ! command -v dotnet && for l in $(ldconfig -p | sed -n 's/.*libsodium.* => //p'); do test ! -s \"$l\" || exit 1; done"]);
        Assert.True(check.Succeeded, "the bare host still shows .NET or libsodium:\n" + check.Describe());

        using var pair = await TunnelPair.CreateAsync(Implementation.WgSharp(daemon), Implementation.WireguardGo2023);
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false);
        await pair.ExpectPingAsync(pair.B, pair.A, v6: true);

        const int bytes = 8 << 20;
        var (file, sha) = Traffic.CreateRandomFile(bytes);
        try
        {
            var sent = await Traffic.TcpTransferAsync(pair.A.Namespace, pair.B.Namespace, pair.B.TunnelV4, 5001, file, TimeSpan.FromSeconds(30));
            var back = await Traffic.TcpTransferAsync(pair.B.Namespace, pair.A.Namespace, pair.A.TunnelV4, 5002, file, TimeSpan.FromSeconds(30));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bare-host release -> wireguard-go-2023: {sent.MegabitsPerSecond:F0} Mbit/s; back: {back.MegabitsPerSecond:F0} Mbit/s"));
            await pair.ExpectAsync(sent.BytesReceived == bytes && sent.ReceivedSha256 == sha, $"A -> B arrived damaged: {sent.BytesReceived} bytes");
            await pair.ExpectAsync(back.BytesReceived == bytes && back.ReceivedSha256 == sha, $"B -> A arrived damaged: {back.BytesReceived} bytes");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact(Timeout = 1_800_000)]
    public async Task Without_any_libsodium_the_daemon_refuses_to_start_and_names_what_to_install()
    {
        var release = await ReleaseBuild.UnpackedAsync();
        var bare = BareHost.WriteWrapper(Path.Combine(release, "wgsharp"), Path.Combine(release, "libsodium.so"));
        using var ns = await NetworkNamespace.CreateAsync();
        var name = ResourceNames.Next('w');

        var run = await ns.ExecAsync([bare, "-f", name], TimeSpan.FromSeconds(20));
        File.Delete(WireGuardPeer.SocketPathFor(name));

        Assert.False(run.TimedOut, "the daemon started without libsodium:\n" + run.Describe());
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("libsodium was not found", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("apt-get install libsodium23", run.StandardError, StringComparison.Ordinal);
        var link = await ns.ExecAsync(["ip", "link", "show", name]);
        Assert.False(link.Succeeded, $"interface {name} was created before the check:\n{link.Describe()}");
    }
}
