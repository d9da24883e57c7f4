// `strip` against the real `wg-quick strip` on the same files: byte-identical for plain wg-quick files
// (fixed and randomly generated ones), and identical to wg-quick's output on the file without its
// WgSharp lines for files that use the extensions; plus the `wgsharp strip` command itself.
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using WgSharp.Cli.Commands;
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Tests.Support;
using static WgSharp.Cli.Tests.Config.ConfigTestKeys;

namespace WgSharp.Cli.Tests.Config;

public sealed class ConfigStripperTests : IDisposable
{
    private readonly string _directory = TestNames.TempDirectory();
    private int _files;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string FullExample => $"""
        # wg3: exit through the provider for the blue LAN
        [Interface]
        PrivateKey = {PrivateBase64(1)}   # keep this secret
        Address = 10.5.0.2/32
        ListenPort = 51820
        DNS = 10.5.0.1, corp.example
        MTU = 1420
        Table = off
        FwMark = 0x5
        PreUp = echo up %i
        PostUp = ip rule add from 10.5.0.2 table 100
        PreDown = echo down
        PostDown = ip rule del from 10.5.0.2 table 100
        SaveConfig = false
        MssClamp = auto
        ConntrackPerPeer = 20%
        Relay = userspace
        User = wgsharp

        [Peer]
        Name = nord
        PublicKey = {PublicBase64(1)}
        PresharedKey = {PresharedBase64(1)}
        Endpoint = 198.51.100.42:51820
        AllowedIPs = 0.0.0.0/0, ::/0
        PersistentKeepalive = 25
        Inbound = established
        Routes = always

        [Rule]                   # blue goes out through nord
        From = 192.168.2.0/24
        Peer = nord
        Masquerade = yes

        [Forward]
        Protocol = tcp
        Port = 8080
        To = 192.168.2.10:80
        """;

    [Fact]
    public async Task Plain_files_strip_exactly_like_wg_quick()
    {
        string[] files =
        [
            WithoutExtensions(FullExample) + "\n",
            // No final newline, CRLF, tabs, odd spacing, case, a second [Interface], key-less lines.
            "[Interface]\r\nPrivateKey = x\r\nAddress = 10.0.0.1/24\r\n\t  mtu\t=\t1400  \r\n[Peer]\r\nAddress = stays in a peer\r\n[INTERFACE]\r\ndns=1.1.1.1\r\nSaveConfig = True",
            "   \n\t\n# only comments\n  # indented comment  \n[Interface]#comment right after\nPostUp#=commented out\n= value without key\n[interface] = odd\nTable\nListenPort=1\n",
            "[ Interface ]\nAddress = not the interface section for wg-quick\n[Interface]x\nAddress = nor this\n",
            "",
            "\n\n\n",
        ];
        foreach (string file in files)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(file);
            Assert.Equal(await WgQuickStrip(bytes), Strip(bytes));
        }
    }

    [Fact]
    public async Task Extension_lines_go_too()
    {
        byte[] withExtensions = Encoding.UTF8.GetBytes(FullExample);
        byte[] plain = Encoding.UTF8.GetBytes(WithoutExtensions(FullExample));
        string expected = await WgQuickStrip(plain);
        Assert.Equal(expected, Strip(withExtensions));
        Assert.DoesNotContain("MssClamp", expected);
        Assert.DoesNotContain("ConntrackPerPeer", Strip(withExtensions));
        Assert.DoesNotContain("Relay", Strip(withExtensions));
        Assert.DoesNotContain("User", Strip(withExtensions));
        Assert.DoesNotContain("nord", expected);
        Assert.Contains("PublicKey = " + PublicBase64(1), expected);
        Assert.Contains("# keep this secret", expected); // wg-quick keeps comments, and so do we
    }

    [Fact]
    public async Task Bytes_pass_through_and_nul_bytes_go_as_in_bash()
    {
        byte[] plain = [.. "[Peer]\nNome = caf"u8, 0xC3, 0xA9, .. "\n# \xff\n"u8, 0xFF, 0xFE, .. "\nfoo"u8, 0, .. "bar\n"u8];
        Assert.Equal(await WgQuickStrip(plain), Strip(plain));
        byte[] file = [.. "[Peer]\nName = caf"u8, 0xC3, 0xA9, .. "\n# \xff\n"u8, 0xFF, 0xFE, .. "\nfoo"u8, 0, .. "bar\n"u8];
        byte[] withoutName = [.. "[Peer]\n# \xff\n"u8, 0xFF, 0xFE, .. "\nfoo"u8, 0, .. "bar\n"u8];
        Assert.Equal(await WgQuickStrip(withoutName), Strip(file));
    }

    [Fact]
    public async Task Invalid_save_config_fails_as_in_wg_quick()
    {
        byte[] file = "[Interface]\nSaveConfig = maybe\n"u8.ToArray();
        Assert.Null(ConfigStripper.Strip(file, out string? error));
        Assert.Equal("`maybe' is neither true nor false", error);
        ProcessResult real = await RunWgQuickStrip(file);
        Assert.Equal(1, real.ExitCode);
        Assert.Contains("wg-quick: " + error, real.StandardError);
        // In a [Peer] section SaveConfig is not wg-quick's, so nothing fails.
        Assert.NotNull(ConfigStripper.Strip("[Peer]\nSaveConfig = maybe\n"u8, out _));
    }

    /// <summary>Random files of wg-quick lines in random spellings: byte-identical output; random files
    /// with extension lines: the same output as wg-quick on the file without them.</summary>
    [Fact]
    public void Random_files_strip_like_wg_quick()
    {
        Gen<(string File, string WithoutExtensions)> files = Gen.ListOf(Block).Select(blocks =>
            (string.Concat(blocks.Select(b => b.Text)), string.Concat(blocks.Select(b => b.Plain))));
        int checkedFiles = 0;
        Property property = Prop.ForAll(Arb.From(files), file =>
        {
            byte[] bytes = Encoding.UTF8.GetBytes(file.File);
            string expected = WgQuickStrip(Encoding.UTF8.GetBytes(file.WithoutExtensions)).GetAwaiter().GetResult();
            checkedFiles++;
            return expected == Strip(bytes);
        });
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(60), property);
        Assert.Equal(60, checkedFiles);
    }

    [Fact]
    public void Strip_command_resolves_names_and_warns_about_world_readable_files()
    {
        string path = Path.Combine(_directory, "wgS1.conf");
        File.WriteAllText(path, FullExample);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);

        (int exit, string output, string error) = RunCommand(["wgS1"], _directory);
        Assert.Equal(0, exit);
        Assert.Equal(Strip(Encoding.UTF8.GetBytes(FullExample)), output);
        Assert.Equal("", error); // file o=r, directory o=x: nothing in common, as wg-quick computes it

        File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        (exit, output, error) = RunCommand([path], "/nonexistent");
        Assert.Equal(0, exit);
        Assert.Equal($"Warning: `{path}' is world accessible\n", error);
        Assert.Contains("[Peer]", output);

        (exit, _, error) = RunCommand(["nosuch"], _directory);
        Assert.Equal(1, exit);
        Assert.Equal($"wgsharp: `{_directory}/nosuch.conf' does not exist\n", error);

        (exit, _, error) = RunCommand([], _directory);
        Assert.Equal(1, exit);
        Assert.Equal("Usage: wgsharp strip <config-file | interface>\n", error);

        File.WriteAllText(Path.Combine(_directory, "bad.conf"), "[Interface]\nSaveConfig = 1\n");
        File.SetUnixFileMode(Path.Combine(_directory, "bad.conf"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (exit, output, error) = RunCommand([Path.Combine(_directory, "bad.conf")], _directory);
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Equal("wgsharp: `1' is neither true nor false\n", error);
    }

    private static (int Exit, string Output, string Error) RunCommand(string[] args, string directory)
    {
        var output = new MemoryStream();
        var error = new StringWriter { NewLine = "\n" };
        var context = new CliContext { Input = Stream.Null, Output = output, Error = error, OutputIsWorldAccessibleFile = static () => false };
        int exit = StripCommand.Run(context, args, directory);
        return (exit, Encoding.Latin1.GetString(output.ToArray()), error.ToString());
    }

    private static string Strip(ReadOnlySpan<byte> file) =>
        Encoding.Latin1.GetString(ConfigStripper.Strip(file, out string? error) ?? throw new InvalidOperationException(error));

    // The lines of FullExample that are WgSharp's (known here because the test wrote them).
    private static string WithoutExtensions(string text)
    {
        var kept = new StringBuilder();
        bool extensionSection = false;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.StartsWith('['))
            {
                extensionSection = line.StartsWith("[Rule]", StringComparison.Ordinal) || line.StartsWith("[Forward]", StringComparison.Ordinal);
            }

            if (!extensionSection && !line.StartsWith("MssClamp", StringComparison.Ordinal) && !line.StartsWith("ConntrackPerPeer", StringComparison.Ordinal)
                && !line.StartsWith("Relay", StringComparison.Ordinal)
                && !line.StartsWith("User", StringComparison.Ordinal)
                && !line.StartsWith("Name", StringComparison.Ordinal)
                && !line.StartsWith("Inbound", StringComparison.Ordinal) && !line.StartsWith("Routes", StringComparison.Ordinal))
            {
                kept.Append(line).Append(i < lines.Length - 1 ? "\n" : "");
            }
        }

        return kept.ToString();
    }

    private async Task<string> WgQuickStrip(byte[] file)
    {
        ProcessResult result = await RunWgQuickStrip(file);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput;
    }

    private async Task<ProcessResult> RunWgQuickStrip(byte[] file)
    {
        // wg-quick wants "<interface>.conf"; its output is read as Latin-1 to compare bytes.
        string path = Path.Combine(_directory, $"wgT{Interlocked.Increment(ref _files)}.conf");
        await File.WriteAllBytesAsync(path, file);
        var start = new System.Diagnostics.ProcessStartInfo("wg-quick", ["strip", path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.Latin1,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    // ---- random files: blocks of a section header and its lines, each with and without WgSharp's lines ----

    private sealed record Piece(string Text, string Plain);

    private static Gen<string> Pick(params string[] items) => Gen.Elements(items);

    private static Gen<string> Spaces => Pick("", " ", "  ", "\t", " \t ");

    private static Gen<string> LineEnd => Pick("\n", "\n", "\n", "\r\n", "  \n", "\t# trailing comment\n", "#x\n");

    private static Gen<string> RandomCase(string text) =>
        Gen.Elements(text, text.ToLowerInvariant(), text.ToUpperInvariant());

    private static Gen<string> KeyLine(string key, Gen<string> value) =>
        from lead in Spaces
        from name in RandomCase(key)
        from before in Spaces
        from after in Spaces
        from v in value
        from end in LineEnd
        select $"{lead}{name}{before}={after}{v}{end}";

    private static Gen<string> Values => Pick("10.0.0.1/24", "1.1.1.1, example.com", "1420", "off", "echo a  b", "", "x=y", "true", "FALSE");

    private static Gen<string> Filler => Gen.OneOf(
        Pick("\n", "   \n", "\t\n", "# comment [Peer]\n", "  # indented\n", "no equals sign\n", "= no key\n", "\r\n"),
        Gen.Elements("Unknown", "Foo").SelectMany(key => KeyLine(key, Values)));

    private static Gen<Piece> Plain(Gen<string> line) => line.Select(l => new Piece(l, l));

    private static Gen<Piece> Extension(Gen<string> line) => line.Select(l => new Piece(l, ""));

    private static Gen<Piece> Section(string header, bool extension, Gen<Piece> line) =>
        from lead in Spaces
        from name in RandomCase(header)
        from end in LineEnd
        from lines in Gen.ListOf(Gen.Frequency((3, line), (1, Plain(Filler))))
        select new Piece(lead + name + end + string.Concat(lines.Select(l => l.Text)),
            extension ? "" : lead + name + end + string.Concat(lines.Select(l => l.Plain)));

    private static Gen<Piece> Block => Gen.OneOf(
        Section("[Interface]", false, Gen.OneOf(
            Plain(Gen.Elements("Address", "MTU", "DNS", "Table", "PreUp", "PostUp", "PreDown", "PostDown", "PrivateKey", "ListenPort", "FwMark")
                .SelectMany(key => KeyLine(key, Values))),
            Plain(KeyLine("SaveConfig", Pick("true", "false", "True", "FALSE"))),
            Extension(KeyLine("MssClamp", Pick("auto", "1380"))))),
        Section("[Peer]", false, Gen.OneOf(
            Plain(Gen.Elements("PublicKey", "AllowedIPs", "Endpoint", "Address", "MssClamp").SelectMany(key => KeyLine(key, Values))),
            Extension(Gen.Elements("Name", "Inbound", "Routes").SelectMany(key => KeyLine(key, Values))))),
        Section("[Rule]", true, Plain(Gen.Elements("From", "Peer", "Address", "PostUp").SelectMany(key => KeyLine(key, Values)))),
        Section("[Forward]", true, Plain(Gen.Elements("Port", "To", "MTU").SelectMany(key => KeyLine(key, Values)))),
        Section("[Other]", false, Plain(Gen.Elements("Address", "Name").SelectMany(key => KeyLine(key, Values)))));
}
