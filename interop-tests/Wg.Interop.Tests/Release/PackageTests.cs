// What ./release.sh ships besides the executable: the systemd unit passes `systemd-analyze verify`,
// the .deb lays files out by Debian conventions with only the dependencies it needs, the man page is
// the program's own help, and the init script and completion are valid shell.
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Release;

public sealed class PackageTests
{
    [Fact(Timeout = 1_800_000)]
    public async Task Service_unit_passes_systemd_analyze_verify()
    {
        var release = await ReleaseBuild.UnpackedAsync();
        // The unit names /usr/bin/wgsharp, as the .deb installs it; verify checks that ExecStart exists,
        // so the instance checked here points at the unpacked executable instead.
        var unit = File.ReadAllText(Path.Combine(release, "systemd", "wgsharp@.service"))
            .Replace("/usr/bin/wgsharp", Path.Combine(release, "wgsharp"), StringComparison.Ordinal);
        var directory = TempFiles.NewPath("units");
        Directory.CreateDirectory(directory);
        var instance = Path.Combine(directory, "wgsharp@wg0.service");
        File.WriteAllText(instance, unit);

        var verify = await ProcessRunner.RunAsync(["systemd-analyze", "verify", "--man=no", instance], TimeSpan.FromSeconds(60));
        Assert.True(verify.Succeeded, verify.Describe());
        Assert.Equal("", verify.StandardOutput + verify.StandardError);

        foreach (var line in new[]
        {
            "Type=notify", "ExecStart=/usr/bin/wgsharp up %i", "ExecStop=/usr/bin/wgsharp down %i",
            "ExecReload=/usr/bin/wgsharp syncconf %i /etc/wireguard/%i.conf", "NoNewPrivileges=yes", "ProtectSystem=strict",
            "ProtectHome=yes", "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID CAP_CHOWN", "WantedBy=multi-user.target",
        })
        {
            Assert.Contains("\n" + line + "\n", File.ReadAllText(Path.Combine(release, "systemd", "wgsharp@.service")), StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 1_800_000)]
    public async Task Deb_installs_the_executable_units_man_page_and_completion_where_debian_puts_them()
    {
        await ReleaseBuild.EnsureBuiltAsync();
        var contents = (await ProcessRunner.RunCheckedAsync(["dpkg-deb", "--contents", ReleaseBuild.Deb])).StandardOutput;
        foreach (var path in new[]
        {
            "./usr/bin/wgsharp", "./usr/lib/wgsharp/libsodium.so", "./lib/systemd/system/wgsharp@.service",
            "./usr/share/man/man8/wgsharp.8.gz", "./usr/share/bash-completion/completions/wgsharp",
            "./usr/share/doc/wgsharp/copyright", "./usr/share/doc/wgsharp/changelog.gz",
        })
        {
            Assert.Contains(" " + path + "\n", contents, StringComparison.Ordinal);
        }

        Assert.Contains("root/root", contents, StringComparison.Ordinal);
        var depends = (await ProcessRunner.RunCheckedAsync(["dpkg-deb", "--field", ReleaseBuild.Deb, "Depends", "Recommends"])).StandardOutput;
        Assert.Matches(@"^Depends: libc6 \(>= 2\.\d+\)\nRecommends: wireguard-tools\n$", depends);
    }

    [Fact(Timeout = 1_800_000)]
    public async Task Man_page_holds_the_help_of_every_command_and_renders_without_warnings()
    {
        var release = await ReleaseBuild.UnpackedAsync();
        var page = File.ReadAllText(Path.Combine(release, "wgsharp.8"));
        var help = (await ProcessRunner.RunCheckedAsync([Path.Combine(release, "wgsharp"), "help"])).StandardOutput;
        var commands = help[(help.IndexOf("Commands:\n", StringComparison.Ordinal) + 10)..]
            .Split('\n').TakeWhile(l => l.Length > 0).Select(l => l.Trim().Split(' ')[0]).ToArray();
        Assert.Contains("up", commands);
        foreach (var command in commands)
        {
            Assert.Contains(".SS " + command + "\n", page, StringComparison.Ordinal);
        }

        var upHelp = (await ProcessRunner.RunCheckedAsync([Path.Combine(release, "wgsharp"), "help", "up"])).StandardOutput;
        Assert.Contains(upHelp.Split('\n')[^3], page, StringComparison.Ordinal);

        var render = await ProcessRunner.RunAsync(["sh", "-c", $"groff -man -Tutf8 -ww -z {ShellQuote.Word(Path.Combine(release, "wgsharp.8"))}"]);
        Assert.True(render.Succeeded, render.Describe());
        Assert.Equal("", render.StandardError);
    }

    [Fact(Timeout = 1_800_000)]
    public async Task Completion_offers_commands_and_running_interfaces()
    {
        var release = await ReleaseBuild.UnpackedAsync();
        var completion = Path.Combine(release, "completion", "wgsharp");
        var script = $". {ShellQuote.Word(completion)}; COMP_WORDS=(wgsharp sh); COMP_CWORD=1; _wgsharp_completion; echo \"${{COMPREPLY[*]}}\";" +
                     $" COMP_WORDS=(wgsharp help s); COMP_CWORD=2; _wgsharp_completion; echo \"${{COMPREPLY[*]}}\"";
        var result = await ProcessRunner.RunCheckedAsync(["bash", "-c", script]);
        Assert.Equal("show showconf\nshow showconf syncconf strip\n", result.StandardOutput);

        var init = await ProcessRunner.RunAsync(["sh", "-n", Path.Combine(release, "init.d", "wgsharp")]);
        Assert.True(init.Succeeded, init.Describe());
        var usage = await ProcessRunner.RunAsync([Path.Combine(release, "init.d", "wgsharp"), "bogus"]);
        Assert.Equal(2, usage.ExitCode);
    }
}
