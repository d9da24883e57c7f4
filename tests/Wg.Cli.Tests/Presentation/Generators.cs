// Runs FsCheck properties inside xunit facts (FsCheck.Xunit is not used), throwing on the first failure.
using FsCheck;

namespace WgSharp.Cli.Tests.Show;

internal static class Generators
{
    public static void Check(Property property, int maxTest = 100) =>
        FsCheck.Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(maxTest), property);
}
