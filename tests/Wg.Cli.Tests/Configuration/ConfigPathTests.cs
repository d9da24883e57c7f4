// ConfigPath: wg-quick's rules for bare names, file names that must be "<interface>.conf", symbolic
// links, and the world-accessible warning (file and directory "other" bits in common).
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Tests.Support;

namespace WgSharp.Cli.Tests.Config;

public sealed class ConfigPathTests : IDisposable
{
    private readonly string _directory = TestNames.TempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Touch(string name)
    {
        string path = Path.Combine(_directory, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
        return path;
    }

    [Theory]
    [InlineData("wg0", true)]
    [InlineData("a", true)]
    [InlineData("A_b=c+d.e-f9", true)]
    [InlineData("fifteen-chars15", true)]
    [InlineData("sixteen-chars-16", false)]
    [InlineData("", false)]
    [InlineData("wg 0", false)]
    [InlineData("wg/0", false)]
    [InlineData("wg0:1", false)]
    [InlineData("wgé", false)]
    public void Interface_names(string name, bool valid) => Assert.Equal(valid, ConfigPath.IsValidInterfaceName(name));

    [Fact]
    public void Bare_name_means_the_directory_file()
    {
        string path = Touch("wg3.conf");
        Assert.Equal(path, ConfigPath.Resolve("wg3", out string name, _directory));
        Assert.Equal("wg3", name);
    }

    [Fact]
    public void Paths_are_taken_as_paths_and_named_after_the_file()
    {
        string path = Touch("sub/office+1.conf");
        Assert.Equal(path, ConfigPath.Resolve(path, out string name, "/nonexistent"));
        Assert.Equal("office+1", name);

        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        Assert.False(Path.IsPathRooted(relative));
        Assert.Equal(path, ConfigPath.Resolve(relative, out name, "/nonexistent"));
        Assert.Equal("office+1", name);
    }

    [Fact]
    public void Missing_files_and_bad_names_are_refused_with_wg_quicks_words()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigPath.Resolve("nosuch", out _, _directory));
        Assert.Equal($"`{_directory}/nosuch.conf' does not exist", error.Message);

        string long16 = Touch("sixteen-chars-16.conf");
        error = Assert.Throws<ConfigException>(() => ConfigPath.Resolve(long16, out _, _directory));
        Assert.Equal("The config file must be a valid interface name, followed by .conf", error.Message);

        string noConf = Touch("wg0.cfg");
        error = Assert.Throws<ConfigException>(() => ConfigPath.Resolve(noConf, out _, _directory));
        Assert.Equal("The config file must be a valid interface name, followed by .conf", error.Message);

        // Sixteen characters are no bare name, so it is looked for as a relative path.
        error = Assert.Throws<ConfigException>(() => ConfigPath.Resolve("sixteen-chars-16", out _, _directory));
        Assert.Equal("`sixteen-chars-16' does not exist", error.Message);
    }

    [Fact]
    public void Symbolic_links_are_resolved_but_the_name_comes_from_the_link()
    {
        string target = Touch("real/target.conf");
        Directory.CreateDirectory(Path.Combine(_directory, "links"));
        string link = Path.Combine(_directory, "links", "wgL.conf");
        File.CreateSymbolicLink(link, "../real/target.conf");
        Directory.CreateSymbolicLink(Path.Combine(_directory, "dirlink"), Path.Combine(_directory, "links"));

        Assert.Equal(target, ConfigPath.Resolve(Path.Combine(_directory, "dirlink", "wgL.conf"), out string name, "/nonexistent"));
        Assert.Equal("wgL", name);
    }

    [Fact]
    public void World_accessible_warning_follows_wg_quicks_arithmetic()
    {
        const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        string path = Touch("wg9.conf");
        (UnixFileMode File, UnixFileMode Directory, bool Warns)[] cases =
        [
            (UnixFileMode.UserRead | UnixFileMode.UserWrite, Owner | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, false),
            (UnixFileMode.UserRead | UnixFileMode.OtherRead, Owner | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, true),
            (UnixFileMode.UserRead | UnixFileMode.OtherRead, Owner | UnixFileMode.OtherExecute, false),
            (UnixFileMode.UserRead | UnixFileMode.OtherExecute, Owner | UnixFileMode.OtherExecute, true),
            (UnixFileMode.UserRead | UnixFileMode.OtherRead, Owner, false),
            (UnixFileMode.UserRead | UnixFileMode.GroupRead, Owner | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, false),
        ];
        foreach ((UnixFileMode file, UnixFileMode directory, bool warns) in cases)
        {
            File.SetUnixFileMode(path, file);
            File.SetUnixFileMode(_directory, directory);
            Assert.Equal(warns ? $"Warning: `{path}' is world accessible" : null, ConfigPath.WorldAccessibleWarning(path));
        }

        File.SetUnixFileMode(_directory, Owner);
        Assert.Null(ConfigPath.WorldAccessibleWarning(Path.Combine(_directory, "missing.conf")));
    }
}
