// `up` and `down` as commands, in-process: a file with errors is refused with its lines before anything
// (not even the state directory) is touched, and `down` of an interface that is not up fails like wg-quick.
using System.Text;
using WgSharp.Cli.Commands;
using WgSharp.Cli.Host;
using WgSharp.Cli.Tests.Support;
using static WgSharp.Cli.Tests.Config.ConfigTestKeys;

namespace WgSharp.Cli.Tests.Quick;

public sealed class QuickCommandTests : IDisposable
{
    private readonly string _directory = TestNames.TempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string StateDirectory => Path.Combine(_directory, "run");

    private (int ExitCode, string Error) Invoke(Func<CliContext, string[], string, QuickStateStore, int> command, params string[] args)
    {
        var error = new StringWriter();
        var context = new CliContext
        {
            Input = new MemoryStream(),
            Output = new MemoryStream(),
            Error = error,
            OutputIsWorldAccessibleFile = () => false,
        };
        int exitCode = command(context, args, _directory, new QuickStateStore(StateDirectory));
        return (exitCode, error.ToString());
    }

    private string WriteConfig(string name, string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        string path = Path.Combine(_directory, name + ".conf");
        File.WriteAllText(path, text, Encoding.UTF8);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public void Up_refuses_a_file_with_errors_naming_each_line_and_changes_nothing()
    {
        string path = WriteConfig("wgq1", $"""
            [Interface]
            PrivateKey = {PrivateBase64(1)}
            Adress = 10.0.0.2/24
            [Peer]
            PublicKey = {PublicBase64(1)}
            AllowedIPs = 10.0.0.300/32
            """);

        (int exitCode, string error) = Invoke(UpCommand.Run, path);

        Assert.Equal(1, exitCode);
        Assert.Contains($"{path}:3: Adress: unknown key in [Interface]; did you mean Address?", error);
        Assert.Contains($"{path}:6: AllowedIPs:", error);
        Assert.Contains("nothing was changed", error);
        Assert.DoesNotContain("[#]", error);
        Assert.False(Directory.Exists(StateDirectory));
    }

    [Fact]
    public void Up_refuses_an_unknown_user_with_its_line_and_changes_nothing()
    {
        string path = WriteConfig("wgq3", $"""
            [Interface]
            PrivateKey = {PrivateBase64(1)}
            User = no-such-wgsharp-user
            """);

        (int exitCode, string error) = Invoke(UpCommand.Run, path);

        Assert.Equal(1, exitCode);
        Assert.Contains($"{path}:3: User: no such user 'no-such-wgsharp-user'", error);
        Assert.Contains("nothing was changed", error);
        Assert.DoesNotContain("[#]", error);
        Assert.False(Directory.Exists(StateDirectory));
    }

    [Fact]
    public void Up_warns_about_a_world_accessible_file_and_rejects_a_bad_file_name()
    {
        string path = WriteConfig("wgq2", "[Interface]\nPrivateKey = x\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        (int exitCode, string error) = Invoke(UpCommand.Run, path);
        Assert.Equal(1, exitCode);
        Assert.Contains($"Warning: `{path}' is world accessible", error);
        Assert.Contains($"{path}:2: PrivateKey:", error);

        string badName = Path.Combine(_directory, "not an interface.conf");
        File.WriteAllText(badName, "");
        Assert.Contains("The config file must be a valid interface name, followed by .conf", Invoke(UpCommand.Run, badName).Error);
    }

    [Theory]
    [InlineData]
    [InlineData("a", "b")]
    [InlineData("--split-routes")]
    [InlineData("--bogus", "wg0")]
    public void Up_prints_its_usage_for_wrong_arguments(params string[] args)
    {
        (int exitCode, string error) = Invoke(UpCommand.Run, args);
        Assert.Equal(1, exitCode);
        Assert.Contains("Usage: wgsharp up [--split-routes] <config-file | interface>", error);
    }

    [Fact]
    public void Down_of_an_interface_that_is_not_up_fails_like_wg_quick_and_changes_nothing()
    {
        string name = TestNames.InterfaceName();
        (int exitCode, string error) = Invoke(DownCommand.Run, name);
        Assert.Equal(1, exitCode);
        Assert.Contains($"`{name}' is not a WireGuard interface", error);
        Assert.False(File.Exists(Path.Combine(StateDirectory, name + ".state")));
    }

    [Fact]
    public void Down_of_a_missing_file_that_is_no_interface_name_says_so()
    {
        (int exitCode, string error) = Invoke(DownCommand.Run, Path.Combine(_directory, "gone.conf"));
        Assert.Equal(1, exitCode);
        Assert.Contains("does not exist", error);
    }
}
