// Finds the repository root (the folder holding WgSharp.sln) by walking up from the test binaries.
namespace WgSharp.Interop.Tests.Harness;

internal static class RepositoryRoot
{
    public const string SolutionFile = "WgSharp.sln";

    private static readonly Lazy<string> RootPath = new(Find);

    public static string Path => RootPath.Value;

    /// <summary>The launcher script at the repository root that runs the built daemon.</summary>
    public static string WgSharpLauncher => System.IO.Path.Combine(Path, "wgsharp");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no {SolutionFile} above {AppContext.BaseDirectory}");
    }
}
