// The release artifacts of ./release.sh, built once if dist/ lacks them, and the linux-x64 tarball
// unpacked into a temporary folder for the tests of this folder to run.
using System.Globalization;
using System.Text.RegularExpressions;
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Release;

internal static partial class ReleaseBuild
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(30);
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? s_unpacked;

    public static string Version { get; } = ReadVersion();

    public static string Dist => Path.Combine(RepositoryRoot.Path, "dist");

    public static string Tarball => Path.Combine(Dist, $"wgsharp-{Version}-linux-x64.tar.gz");

    public static string Deb => Path.Combine(Dist, $"wgsharp_{Version}_amd64.deb");

    /// <summary>The unpacked linux-x64 release folder (wgsharp, libsodium.so, systemd/, ...), building it first if needed.</summary>
    public static async Task<string> UnpackedAsync()
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (s_unpacked is not null)
            {
                return s_unpacked;
            }

            await EnsureBuiltAsync().ConfigureAwait(false);
            var target = TempFiles.NewPath("release");
            Directory.CreateDirectory(target);
            await ProcessRunner.RunCheckedAsync(["tar", "-xzf", Tarball, "-C", target]).ConfigureAwait(false);
            s_unpacked = Path.Combine(target, $"wgsharp-{Version}-linux-x64");
            return s_unpacked;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Runs ./release.sh (x64 only) unless both x64 artifacts exist and are newer than the sources.</summary>
    public static async Task EnsureBuiltAsync()
    {
        if (File.Exists(Tarball) && File.Exists(Deb) && !SourcesNewerThan(File.GetLastWriteTimeUtc(Tarball)))
        {
            return;
        }

        var build = await ProcessRunner.RunAsync(
            ["nice", "-n", "10", Path.Combine(RepositoryRoot.Path, "release.sh"), "--no-arm64"], BuildTimeout).ConfigureAwait(false);
        Assert.True(build.Succeeded, "./release.sh failed (it needs the .NET SDK and gcc or clang):\n" + build.Describe());
    }

    private static bool SourcesNewerThan(DateTime builtUtc)
    {
        var root = RepositoryRoot.Path;
        var roots = new[] { Path.Combine(root, "src"), Path.Combine(root, "packaging") };
        return roots.Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Append(Path.Combine(root, "release.sh"))
            .Any(f => File.GetLastWriteTimeUtc(f) > builtUtc);
    }

    private static string ReadVersion()
    {
        var project = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "src", "Wg.Cli", "Wg.Cli.csproj"));
        var match = VersionElement().Match(project);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException("no <Version> in Wg.Cli.csproj");
    }

    [GeneratedRegex("<Version>([^<]+)</Version>", RegexOptions.CultureInvariant)]
    private static partial Regex VersionElement();

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
