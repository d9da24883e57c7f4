// The wgsharp command line, run in-process with captured streams: dispatch, usage text, and the key
// commands' input and output rules (those of `wg genkey`, `wg genpsk`, `wg pubkey`).
using System.Text;
using WgSharp.Cli.Commands;

namespace WgSharp.Cli.Tests.Commands;

public class CommandLineTests
{
    // RFC 7748 section 6.1 (Alice), in base64.
    private const string AlicePrivate = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
    private const string AlicePublic = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";

    private sealed record Run(int ExitCode, string Output, string Error);

    private static Run Invoke(string[] args, string input = "", bool worldAccessibleOutput = false) =>
        Invoke(args, Encoding.ASCII.GetBytes(input), worldAccessibleOutput);

    private static Run Invoke(string[] args, byte[] input, bool worldAccessibleOutput = false)
    {
        var output = new MemoryStream();
        var error = new StringWriter();
        var context = new CliContext
        {
            Input = new MemoryStream(input),
            Output = output,
            Error = error,
            OutputIsWorldAccessibleFile = () => worldAccessibleOutput,
        };
        int exitCode = CommandLine.Run(args, context);
        return new Run(exitCode, Encoding.UTF8.GetString(output.ToArray()), error.ToString());
    }

    [Fact]
    public void Genkey_prints_a_clamped_base64_key_and_a_newline()
    {
        Run run = Invoke(["genkey"]);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(45, run.Output.Length);
        Assert.EndsWith("=\n", run.Output);
        byte[] key = Convert.FromBase64String(run.Output.TrimEnd('\n'));
        Assert.Equal(32, key.Length);
        Assert.Equal(0, key[0] & 7);
        Assert.Equal(0x40, key[31] & 0xC0);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public void Genpsk_prints_fresh_random_keys()
    {
        Run first = Invoke(["genpsk"]);
        Run second = Invoke(["genpsk"]);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(45, first.Output.Length);
        Assert.Equal(32, Convert.FromBase64String(first.Output.TrimEnd('\n')).Length);
        Assert.NotEqual(first.Output, second.Output);
    }

    [Fact]
    public void Genkey_warns_when_writing_to_a_world_accessible_file()
    {
        Assert.StartsWith("Warning: writing to world accessible file.", Invoke(["genkey"], worldAccessibleOutput: true).Error);
        Assert.Equal("", Invoke(["genkey"], worldAccessibleOutput: false).Error);
    }

    [Theory]
    [InlineData(AlicePrivate)]
    [InlineData(AlicePrivate + "\n")]
    [InlineData(AlicePrivate + " \t\r\n\v\f\n")]
    [InlineData(AlicePrivate + "\0\n")]
    public void Pubkey_derives_the_public_key(string input)
    {
        Run run = Invoke(["pubkey"], input);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(AlicePublic + "\n", run.Output);
    }

    [Theory]
    [InlineData("", "Key is not the correct length or format")]
    [InlineData("garbage\n", "Key is not the correct length or format")]
    [InlineData(" " + AlicePrivate, "Trailing characters found after key")]           // 44 chars read, then '='
    [InlineData(AlicePrivate + "x", "Trailing characters found after key")]
    [InlineData(AlicePrivate + "\nsecond line", "Trailing characters found after key")]
    [InlineData("dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC==", "Key is not the correct length or format")]
    [InlineData("dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC*=", "Key is not the correct length or format")]
    public void Pubkey_rejects_malformed_input(string input, string message)
    {
        Run run = Invoke(["pubkey"], input);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.Equal($"wgsharp: {message}\n", run.Error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Pubkey_reads_long_trailing_white_space_without_failing()
    {
        byte[] input = Encoding.ASCII.GetBytes(AlicePrivate + new string(' ', 1_000_000));
        Assert.Equal(AlicePublic + "\n", Invoke(["pubkey"], input).Output);
    }

    [Theory]
    [InlineData("help")]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_lists_every_command_on_standard_output(string flag)
    {
        Run run = Invoke([flag]);
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("Usage: wgsharp [-f|--foreground] [--user <name>] <interface>\n       wgsharp <command> [<arguments>]\n", run.Output);
        foreach (CommandLine.Command command in CommandLine.Commands)
        {
            Assert.Contains($"\n  {command.Name} ", run.Output);
            Assert.Contains(command.Summary, run.Output);
        }
    }

    [Theory]
    [InlineData("pubkey", "--help")]
    [InlineData("pubkey", "-h")]
    [InlineData("help", "pubkey")]
    public void Command_usage_is_shown_on_request(string first, string second)
    {
        Run run = Invoke([first, second]);
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("Usage: wgsharp pubkey < private-key\n", run.Output);
    }

    [Theory]
    [InlineData("up", "/run/wgsharp/<ifname>.state")]
    [InlineData("down", "SaveConfig")]
    [InlineData("syncconf", "keep their sessions")]
    [InlineData("strip", "wg setconf")]
    public void Commands_with_files_and_side_effects_have_a_long_description(string command, string phrase)
    {
        Run run = Invoke([command, "--help"]);
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith($"Usage: wgsharp {command} ", run.Output);
        Assert.Contains(phrase, run.Output);
        Assert.Equal(run.Output, Invoke(["help", command]).Output);
    }

    [Fact]
    public void Version_is_printed()
    {
        Assert.Equal("wgsharp v0.1.0\n", Invoke(["--version"]).Output);
        Assert.Equal("wgsharp v0.1.0\n", Invoke(["version"]).Output);
    }

    [Theory]
    [InlineData("genky", "genkey")]
    [InlineData("shwo", null)]
    [InlineData("sho", "show")]
    [InlineData("dwn", "down")]
    [InlineData("upp", "up")]
    [InlineData("wg", null)]
    [InlineData("tun", null)]
    [InlineData("vpn", null)]
    [InlineData("wg0", null)]
    [InlineData("strp", "strip")]
    public void Typo_guard_catches_near_misses_but_not_ordinary_interface_names(string word, string? expected)
    {
        // "shwo" is two edits (a transposition) from the four-letter "show": allowed as an interface name.
        Assert.Equal(expected, CommandLine.NearestCommand(word));
    }

    [Fact]
    public void Unknown_or_missing_command_prints_usage_to_standard_error()
    {
        // Not a command and not an interface name (too long), so nothing to start.
        Run unknown = Invoke(["frobnicate-everything"]);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal("", unknown.Output);
        Assert.StartsWith("wgsharp: unknown command 'frobnicate-everything'\n", unknown.Error);
        Assert.Contains("Usage: wgsharp [-f|--foreground] [--user <name>] <interface>\n       wgsharp <command>", unknown.Error);

        // A near miss of a command is refused with a suggestion instead of starting an interface.
        Run typo = Invoke(["genky"]);
        Assert.Equal(1, typo.ExitCode);
        Assert.Equal("wgsharp: unknown command 'genky'; did you mean 'genkey'? (to run an interface named 'genky', use: wgsharp -f genky)\n", typo.Error);

        Run none = Invoke([]);
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("wgsharp <command>", none.Error);
    }

    [Theory]
    [InlineData("genkey")]
    [InlineData("genpsk")]
    [InlineData("pubkey")]
    [InlineData("version")]
    public void Extra_arguments_are_refused(string command)
    {
        Run run = Invoke([command, "extra"], AlicePrivate);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.Equal($"Usage: wgsharp {command}\n", run.Error.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("wg0", false, null)]
    [InlineData("-f wg0", true, null)]
    [InlineData("--user nobody wg0", false, "nobody")]
    [InlineData("-f --user root wg0", true, "root")]
    [InlineData("--user wgsharp --foreground wg0", true, "wgsharp")]
    public void The_daemon_takes_foreground_and_user_options(string line, bool foreground, string? user)
    {
        string[] args = line.Split(' ');
        Assert.True(WgSharp.Cli.Daemon.DaemonCommand.Matches(args));
        Assert.True(WgSharp.Cli.Daemon.DaemonCommand.TryParse(args, out bool parsedForeground, out string? parsedUser, out string name));
        Assert.Equal((foreground, user, "wg0"), (parsedForeground, parsedUser, name));
    }

    [Theory]
    [InlineData("--user wg0")]
    [InlineData("--user a --user b wg0")]
    [InlineData("-f -f wg0")]
    [InlineData("--group x wg0")]
    [InlineData("--user nobody")]
    public void Malformed_daemon_options_are_not_a_daemon(string line) =>
        Assert.False(WgSharp.Cli.Daemon.DaemonCommand.Matches(line.Split(' ')));

    [Fact]
    public void Help_says_what_the_daemon_runs_as()
    {
        Run run = Invoke(["help"]);
        Assert.Contains("--user names, else WGSHARP_USER, else the system user wgsharp", run.Output);
        Assert.Contains("CAP_NET_ADMIN (plus\nCAP_NET_BIND_SERVICE for a port below 1024)", run.Output);
        Assert.Contains("User =", Invoke(["help", "up"]).Output);
    }
}
