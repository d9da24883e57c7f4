// What `wgsharp up` does with the rest of a wg-quick file: hooks with %i, a file with errors refused with
// its line before anything changes, a failing hook undoing everything, DNS through resolvconf (and a
// warning without it), and SaveConfig writing the running configuration back at `down`.
using WgSharp.Cli.Host;
using WgSharp.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace WgSharp.Interop.Tests.Quick;

public sealed class UpConfigurationTests(ITestOutputHelper output)
{
    private const int Timeout = 180_000;

    [Fact(Timeout = Timeout)]
    public async Task HooksRunInOrderWithTheInterfaceName()
    {
        using var topology = await QuickTopology.CreateAsync();
        var log = TempFiles.NewPath("hooks");
        string Hook(string stage) => $"echo {stage} %i >> {log}";
        var wg = topology.NewInterface("10.8.0.0/24",
            $"PreUp = {Hook("pre-up")}\nPostUp = {Hook("post-up")}\nPreDown = {Hook("pre-down")}\nPostDown = {Hook("post-down")}");

        var up = await wg.ExpectUpAsync();
        Assert.Contains($"[#] echo pre-up {wg.Name} >> {log}", up.StandardError);
        Assert.Equal($"pre-up {wg.Name}\npost-up {wg.Name}\n", File.ReadAllText(log));
        // PreUp runs before anything exists, PostUp after the routes.
        Assert.True(up.StandardError.IndexOf("pre-up", StringComparison.Ordinal) < up.StandardError.IndexOf("[#] wgsharp", StringComparison.Ordinal));
        Assert.True(up.StandardError.IndexOf("route add", StringComparison.Ordinal) < up.StandardError.IndexOf("post-up", StringComparison.Ordinal));

        await wg.ExpectDownAsync();
        Assert.Equal($"pre-up {wg.Name}\npost-up {wg.Name}\npre-down {wg.Name}\npost-down {wg.Name}\n", File.ReadAllText(log));
    }

    [Fact(Timeout = Timeout)]
    public async Task AFileWithErrorsIsRefusedWithItsLineAndChangesNothing()
    {
        using var topology = await QuickTopology.CreateAsync();
        var before = await RoutingSnapshot.TakeAsync(topology.Client);
        var text = topology.ClientConfig("0.0.0.0/0, 10.8.0.300/32", "Table = auto");
        var line = Array.FindIndex(text.Split('\n'), l => l.StartsWith("AllowedIPs", StringComparison.Ordinal)) + 1;
        using var wg = QuickInterface.Create(topology.Client, _ => text);

        var up = await wg.UpAsync();
        Assert.Equal(1, up.ExitCode);
        Assert.Contains($"{wg.ConfigPath}:{line}: AllowedIPs: '10.8.0.300/32' is not a valid IP prefix", up.StandardError);
        Assert.DoesNotContain("[#]", up.StandardError);
        Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(topology.Client)).Text);
        Assert.False(File.Exists(wg.StatePath));
        Assert.False(await wg.LinkExistsAsync());
    }

    [Fact(Timeout = Timeout)]
    public async Task AFailingPostUpHookUndoesEverything()
    {
        using var topology = await QuickTopology.CreateAsync();
        var before = await RoutingSnapshot.TakeAsync(topology.Client);
        var wg = topology.NewInterface("0.0.0.0/0, ::/0", "PostUp = exit 3");

        var up = await wg.UpAsync();
        output.WriteLine(up.StandardError);
        Assert.Equal(1, up.ExitCode);
        Assert.Contains("PostUp hook failed with exit status 3: exit 3", up.StandardError);
        Assert.Contains("undoing what it did", up.StandardError);
        Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(topology.Client)).Text);
        Assert.False(File.Exists(wg.StatePath));
        Assert.False(File.Exists(wg.SocketPath));
        Assert.False(await wg.LinkExistsAsync());
    }

    [Fact(Timeout = Timeout)]
    public async Task DnsGoesThroughResolvconfAndItsAbsenceIsAWarning()
    {
        using var topology = await QuickTopology.CreateAsync();
        var bin = TempFiles.NewPath("bin");
        Directory.CreateDirectory(bin);
        var log = Path.Combine(bin, "calls");
        var fake = Path.Combine(bin, "resolvconf");
        File.WriteAllText(fake, $"#!/bin/sh\necho \"resolvconf $*\" >> {log}\ncat >> {log}\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var withResolvconf = new Dictionary<string, string> { ["PATH"] = $"{bin}:/usr/sbin:/usr/bin:/sbin:/bin" };
        var wg = topology.NewInterface("10.8.0.0/24", "DNS = 10.8.0.1, fd08::1, corp.example");
        var record = ResolvConf.InterfacePrefix() + wg.Name;

        var up = await wg.ExpectUpAsync(environment: withResolvconf);
        Assert.Contains($"[#] resolvconf -a {record} -m 0 -x", up.StandardError);
        Assert.Equal($"resolvconf -a {record} -m 0 -x\nnameserver 10.8.0.1\nnameserver fd08::1\nsearch corp.example\n", File.ReadAllText(log));
        await wg.ExpectDownAsync(environment: withResolvconf);
        Assert.EndsWith($"resolvconf -d {record} -f\n", File.ReadAllText(log));

        // Without resolvconf the tunnel still comes up, and the user is told the DNS setting is not in effect.
        var up2 = await wg.ExpectUpAsync(environment: new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" });
        Assert.Contains("[!] DNS = 10.8.0.1, fd08::1, corp.example is NOT in effect: resolvconf(8) is not installed", up2.StandardError);
        await wg.ExpectDownAsync();
    }

    [Fact(Timeout = Timeout)]
    public async Task SaveConfigWritesTheRunningConfigurationBackAtDown()
    {
        using var topology = await QuickTopology.CreateAsync();
        var wg = topology.NewInterface("10.8.0.0/24", "SaveConfig = true\nPostUp = true %i");
        await wg.ExpectUpAsync();
        await topology.Client.ExecCheckedAsync(["wg", "set", wg.Name, "peer", topology.ServerKeys.PublicKey, "allowed-ips", "10.8.0.0/24,10.9.0.0/16"]);

        var down = await wg.ExpectDownAsync();
        Assert.Contains($"[#] wg showconf {wg.Name}", down.StandardError);
        var saved = File.ReadAllText(wg.ConfigPath);
        output.WriteLine(saved.Replace(topology.ClientKeys[0].PrivateKey, "(private key)", StringComparison.Ordinal));
        Assert.Contains("AllowedIPs = 10.8.0.0/24, 10.9.0.0/16", saved);
        Assert.Contains("Address = 10.8.0.2/32, fd08::2/128", saved);
        Assert.Contains("SaveConfig = true", saved);
        Assert.Contains("PostUp = true %i", saved);
        Assert.Contains($"PrivateKey = {topology.ClientKeys[0].PrivateKey}", saved);
        Assert.DoesNotContain("FwMark", saved);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(wg.ConfigPath));

        // The saved file is a valid one: it brings the tunnel up again, with the new route.
        var again = await wg.ExpectUpAsync();
        Assert.Contains($"[#] ip -4 route add 10.9.0.0/16 dev {wg.Name}", again.StandardError);
        await wg.ExpectDownAsync();
    }
}
