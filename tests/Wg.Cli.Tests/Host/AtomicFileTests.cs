// The state file and a saved configuration are replaced through a fresh, randomly named file created
// exclusively with mode 0600: whatever somebody planted at a predictable name beside the target (a symlink
// to another file, a file with a wider mode) neither receives the contents nor lends its mode.
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Host;
using WgSharp.Cli.Tests.Support;

namespace WgSharp.Cli.Tests.Quick;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _directory = TestNames.TempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> Writers => ["state", "config"];

    // Writes `text` to `path` the way the named caller does.
    private void Write(string writer, string path, string text)
    {
        if (writer == "state")
        {
            new QuickStateStore(_directory).WriteAtomically(path, System.Text.Encoding.UTF8.GetBytes(text));
        }
        else
        {
            ConfigSaver.Write(path, text);
        }
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void A_symlink_planted_at_the_old_temporary_name_is_not_followed(string writer)
    {
        string target = Path.Combine(_directory, "wg7.state");
        string victim = Path.Combine(_directory, "victim");
        File.WriteAllText(victim, "untouched");
        File.CreateSymbolicLink(target + ".tmp", victim);

        Write(writer, target, "secret contents");

        Assert.Equal("untouched", File.ReadAllText(victim));
        Assert.Equal("secret contents", File.ReadAllText(target));
        Assert.Equal(victim, new FileInfo(target + ".tmp").LinkTarget); // left alone
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target));
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void The_result_has_mode_0600_whatever_was_planted_or_there_before(string writer)
    {
        string target = Path.Combine(_directory, "wg7.conf");
        const UnixFileMode wide = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        File.WriteAllText(target, "old");
        File.SetUnixFileMode(target, wide);
        File.WriteAllText(target + ".tmp", "planted");
        File.SetUnixFileMode(target + ".tmp", wide);

        Write(writer, target, "new");

        Assert.Equal("new", File.ReadAllText(target));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target));
        // Only the target and the planted file remain: no temporary file of ours is left behind.
        Assert.Equal(["wg7.conf", "wg7.conf.tmp"], Directory.GetFiles(_directory).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_failed_write_leaves_the_target_as_it_was_and_no_temporary_file()
    {
        string target = Path.Combine(_directory, "sub");
        Directory.CreateDirectory(target); // a directory cannot be replaced by a file

        Assert.ThrowsAny<IOException>(() => AtomicFile.Replace(target, "x"u8));

        Assert.True(Directory.Exists(target));
        Assert.Equal(["sub"], Directory.GetFileSystemEntries(_directory).Select(Path.GetFileName));
    }
}
