// The policy router's control plane against a real wgsharp daemon in a namespace: `wgsharp syncconf`
// sends a file's [Rule], [Forward], MssClamp and peer names, `wgsharp show` reads them back with hit
// counters; hostile wgsharp-set requests (a reversed port range, an unknown key) are refused with
// EINVAL, logged, and change nothing; the stock `wg show` and `wg showconf` keep working throughout.
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Daemon;

public sealed class RouterControlTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact(Timeout = 180_000)]
    public async Task SyncconfSendsThePolicyShowReadsItBackAndHostileRequestsChangeNothing()
    {
        using var ns = await NetworkNamespace.CreateAsync();
        using var daemon = await WireGuardPeer.StartAsync(Implementation.WgSharpFromRepository(), ns, "verbose");
        KeyPair own = await WgKeys.GenerateKeyPairAsync();
        KeyPair nord = await WgKeys.GenerateKeyPairAsync();
        KeyPair home = await WgKeys.GenerateKeyPairAsync();
        string file = TempFiles.WriteSecret("router.conf", $"""
            [Interface]
            PrivateKey = {own.PrivateKey}
            ListenPort = 51820
            Address = 10.77.0.1/24
            MssClamp = auto

            [Peer]
            Name = nord
            PublicKey = {nord.PublicKey}
            AllowedIPs = 10.77.0.2/32
            Inbound = established

            [Peer]
            Name = home
            PublicKey = {home.PublicKey}
            AllowedIPs = 10.77.0.3/32, 0.0.0.0/0
            Routes = when-up

            [Rule]
            From = 192.168.2.0/24
            Protocol = tcp
            Port = 25
            Action = reject

            [Rule]
            To = 0.0.0.0/0
            Peer = nord
            Masquerade = yes

            [Forward]
            Protocol = tcp
            Port = 8080
            To = 10.77.0.9:80
            """);

        ProcessResult sync = await ns.ExecAsync([RepositoryRoot.WgSharpLauncher, "syncconf", daemon.InterfaceName, file], TimeSpan.FromMinutes(5));
        Assert.True(sync.Succeeded, sync.Describe() + "\n" + daemon.Describe());

        string shown = await WgSharp(ns, "show", daemon.InterfaceName);
        Assert.Contains($"peer: {nord.PublicKey} (nord)\n", shown);
        Assert.Contains($"peer: {home.PublicKey} (home)\n", shown);
        Assert.Contains("\nrules:\n  line 19: ", shown);
        Assert.Contains("\n  line 25: ", shown);
        Assert.Contains("\nconntrack: 0/", shown);
        Assert.Contains("\nwhen-up peers:\n  home: down\n", shown);

        string rules = await WgSharp(ns, "show", daemon.InterfaceName, "rules");
        string[] ruleLines = rules.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, ruleLines.Length);
        Assert.StartsWith("19\t0\t0\t", ruleLines[0]);
        Assert.StartsWith("25\t0\t0\t", ruleLines[1]);
        Assert.Contains("nord", ruleLines[1]);

        // Hostile requests straight at the socket: refused with EINVAL, nothing changes.
        string reversed = await UapiRawRequest.SendAsync(daemon.SocketPath, "wgsharp-set=1\nversion=1\nrule=1\nprotocol=6\nport=200-100\n\n", Limit);
        Assert.StartsWith("message=", reversed);
        Assert.EndsWith("\nerrno=-22\n\n", reversed);
        Assert.EndsWith("errno=-22\n\n", await UapiRawRequest.SendAsync(daemon.SocketPath, "wgsharp-set=1\nversion=1\nfrobnicate=1\n\n", Limit));
        // Well formed but refused by the device's own validation: a peer only goes with action route.
        string deviceRefusal = await UapiRawRequest.SendAsync(daemon.SocketPath, $"wgsharp-set=1\nversion=1\nrule=1\npeer={UapiRawRequest.Hex(nord.PublicKey)}\naction=drop\n\n", Limit);
        Assert.EndsWith("errno=-22\n\n", deviceRefusal);
        Assert.Equal(rules, await WgSharp(ns, "show", daemon.InterfaceName, "rules"));
        Assert.Equal(shown, await WgSharp(ns, "show", daemon.InterfaceName));
        string log = daemon.ReadLog();
        Assert.Contains("refused a wgsharp-set request (errno -22)", log);
        Assert.Contains("port '200-100'", log);
        Assert.Contains("'frobnicate' is not an interface key", log);

        // The stock tool still reads the interface, and dump is wg's format only.
        string wgShow = (await ns.ExecCheckedAsync(["wg", "show", daemon.InterfaceName], Limit)).StandardOutput;
        Assert.Contains($"peer: {nord.PublicKey}\n", wgShow);
        string showconf = (await ns.ExecCheckedAsync(["wg", "showconf", daemon.InterfaceName], Limit)).StandardOutput;
        Assert.Contains($"PublicKey = {home.PublicKey}", showconf);
        Assert.Equal(
            (await ns.ExecCheckedAsync(["wg", "show", daemon.InterfaceName, "dump"], Limit)).StandardOutput,
            await WgSharp(ns, "show", daemon.InterfaceName, "dump"));

        // A file without the policy takes it away.
        string plain = TempFiles.WriteSecret("plain.conf", $"""
            [Interface]
            PrivateKey = {own.PrivateKey}
            ListenPort = 51820

            [Peer]
            PublicKey = {nord.PublicKey}
            AllowedIPs = 10.77.0.2/32
            """);
        Assert.Equal("", await WgSharp(ns, "syncconf", daemon.InterfaceName, plain));
        Assert.Equal("", await WgSharp(ns, "show", daemon.InterfaceName, "rules"));

        // Without a policy, wgsharp show prints exactly wg's form.
        string wgNow = (await ns.ExecCheckedAsync(["wg", "show", daemon.InterfaceName], Limit)).StandardOutput;
        Assert.Equal(wgNow, await WgSharp(ns, "show", daemon.InterfaceName));
    }

    private static async Task<string> WgSharp(NetworkNamespace ns, params string[] arguments)
    {
        ProcessResult result = await ns.ExecAsync([RepositoryRoot.WgSharpLauncher, .. arguments], TimeSpan.FromMinutes(5));
        Assert.True(result.Succeeded, result.Describe());
        return result.StandardOutput;
    }
}
