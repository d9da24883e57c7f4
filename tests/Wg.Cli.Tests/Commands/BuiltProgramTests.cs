// The built wgsharp program run as a process, compared with the reference `wg` tool: a key from
// `wgsharp genkey` gives the same public key under both `pubkey`s, and errors exit 1.
using WgSharp.Cli.Tests.Support;

namespace WgSharp.Cli.Tests.Commands;

public class BuiltProgramTests
{
    // The referenced Wg.Cli project puts its app host next to the tests.
    private static readonly string Program = Path.Combine(AppContext.BaseDirectory, "wgsharp");

    private static Task<ProcessResult> Run(string input, params string[] args) => ProcessRunner.RunAsync(Program, args, input);

    [Fact]
    public async Task Genkey_piped_to_pubkey_matches_wg_pubkey()
    {
        ProcessResult genkey = await Run("", "genkey");
        Assert.Equal(0, genkey.ExitCode);
        Assert.Matches("^[A-Za-z0-9+/]{43}=\n$", genkey.StandardOutput);

        ProcessResult ours = await Run(genkey.StandardOutput, "pubkey");
        ProcessResult reference = await ProcessRunner.RunAsync("wg", ["pubkey"], genkey.StandardOutput);
        Assert.Equal(0, ours.ExitCode);
        Assert.Equal(0, reference.ExitCode);
        Assert.Matches("^[A-Za-z0-9+/]{43}=\n$", ours.StandardOutput);
        Assert.Equal(reference.StandardOutput, ours.StandardOutput);
    }

    [Fact]
    public async Task Pubkey_of_a_wg_genkey_key_matches_wg_pubkey()
    {
        ProcessResult key = await ProcessRunner.RunAsync("wg", ["genkey"]);
        Assert.Equal(0, key.ExitCode);
        Assert.Matches("^[A-Za-z0-9+/]{43}=\n$", key.StandardOutput);
        ProcessResult ours = await Run(key.StandardOutput, "pubkey");
        ProcessResult reference = await ProcessRunner.RunAsync("wg", ["pubkey"], key.StandardOutput);
        // Both must have succeeded with a key: two failures print "" and "" == "" would pass.
        Assert.Equal(0, ours.ExitCode);
        Assert.Equal(0, reference.ExitCode);
        Assert.Matches("^[A-Za-z0-9+/]{43}=\n$", ours.StandardOutput);
        Assert.Equal(reference.StandardOutput, ours.StandardOutput);
    }

    [Fact]
    public async Task Demo_runs_a_handshake_data_keepalive_rekey_and_refuses_a_replay()
    {
        ProcessResult result = await Run("", "demo");
        Assert.Equal(0, result.ExitCode);
        string output = result.StandardOutput;
        Assert.Contains("alice → bob  handshake initiation (148 bytes", output);
        Assert.Contains("bob → alice  handshake response (92 bytes", output);
        Assert.Contains("bob delivers to its TUN: IPv4 10.0.0.1 → 10.0.0.2 UDP \"hello bob, this is alice\"", output);
        Assert.Contains("[t= 10.000s] bob → alice  keepalive", output);
        Assert.Matches(@"\[t=12\d\.\d+s\] alice → bob  handshake initiation", output); // the rekey after 120 s
        Assert.Contains("dropped (Replay)", output);
        Assert.Equal("", result.StandardError);
    }

    [Fact]
    public async Task On_a_terminal_nothing_but_the_output_is_written()
    {
        // script(1) gives the program a pseudo-terminal; .NET's Console would write "ESC[?1h ESC=" first.
        ProcessResult result = await ProcessRunner.RunAsync("script", ["-qc", $"'{Program}' --version", "/dev/null"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("wgsharp v0.1.0\r\n", result.StandardOutput);
    }

    [Fact]
    public async Task Output_to_a_file_the_shell_shares_lands_after_what_was_written_before()
    {
        // The subshell's stdout is one open file shared by echo and wgsharp: each must write at the
        // kernel's offset, not at a position of its own from 0 that overwrites "before".
        string file = Path.Combine(Path.GetTempPath(), $"wgsharp-out-{Guid.NewGuid():N}");
        try
        {
            ProcessResult result = await ProcessRunner.RunAsync("bash",
                ["-c", $"(echo before; '{Program}' --version; '{Program}' help no-such-command; echo after) > '{file}' 2>&1"]);
            Assert.Equal(0, result.ExitCode);
            string[] lines = File.ReadAllText(file).Split('\n');
            Assert.Equal("before", lines[0]);
            Assert.Equal("wgsharp v0.1.0", lines[1]);
            Assert.Equal("wgsharp: no help for 'no-such-command'", lines[2]);
            Assert.Equal("after", lines[^2]);
            Assert.Equal("", lines[^1]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_reader_that_goes_away_ends_the_program_quietly_with_status_141()
    {
        ProcessResult result = await ProcessRunner.RunAsync("bash", ["-c", $"'{Program}' demo | head -1; echo \"status ${{PIPESTATUS[0]}}\""]);
        Assert.Equal("", result.StandardError);
        Assert.EndsWith("status 141\n", result.StandardOutput);
    }

    [Fact]
    public async Task Genpsk_prints_44_base64_characters()
    {
        ProcessResult result = await Run("", "genpsk");
        Assert.Equal(0, result.ExitCode);
        Assert.Matches("^[A-Za-z0-9+/]{43}=\n$", result.StandardOutput);
        Assert.Equal(32, Convert.FromBase64String(result.StandardOutput.Trim()).Length);
    }

    [Theory]
    [InlineData("garbage\n")]
    [InlineData("this is not a key at all, not even close to one\n")]
    [InlineData("????????????????????????????????????????????\n")]
    public async Task Pubkey_rejects_garbage_with_exit_code_1_as_wg_does(string input)
    {
        ProcessResult ours = await Run(input, "pubkey");
        ProcessResult reference = await ProcessRunner.RunAsync("wg", ["pubkey"], input);
        Assert.Equal(1, ours.ExitCode);
        Assert.Equal(reference.ExitCode, ours.ExitCode);
        Assert.Equal("", ours.StandardOutput);
        Assert.StartsWith("wgsharp: ", ours.StandardError);
        Assert.Equal(reference.StandardError.Replace("wg: ", "wgsharp: ", StringComparison.Ordinal), ours.StandardError);
    }

    [Fact]
    public async Task Version_and_unknown_command()
    {
        Assert.Equal("wgsharp v0.1.0\n", (await Run("", "--version")).StandardOutput);
        ProcessResult unknown = await Run("", "no-such-command-x"); // too long for an interface name
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("Usage: wgsharp", unknown.StandardError);
    }

    [Fact]
    public async Task Genkey_warns_about_a_world_readable_file_like_wg()
    {
        string directory = TestNames.TempDirectory();
        try
        {
            string open = Path.Combine(directory, "open.key");
            string closed = Path.Combine(directory, "closed.key");
            ProcessResult loose = await ProcessRunner.RunAsync("/bin/sh", ["-c", $"umask 022; exec '{Program}' genkey > '{open}'"]);
            ProcessResult strict = await ProcessRunner.RunAsync("/bin/sh", ["-c", $"umask 077; exec '{Program}' genkey > '{closed}'"]);
            ProcessResult reference = await ProcessRunner.RunAsync("/bin/sh", ["-c", $"umask 022; exec wg genkey > '{open}.wg'"]);

            Assert.Equal(reference.StandardError, loose.StandardError);
            Assert.StartsWith("Warning: writing to world accessible file.", loose.StandardError);
            Assert.Equal("", strict.StandardError);
            Assert.Matches("^[A-Za-z0-9+/]{43}=\n$", File.ReadAllText(open));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
