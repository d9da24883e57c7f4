// Choices the user makes on the `wgsharp up` command line.
namespace WgSharp.Cli.Host;

/// <param name="SplitRoutes">--split-routes: install a default route as two half routes plus endpoint host
/// routes even where policy rules work (for hosts whose rules are managed by something else).</param>
internal sealed record UpOptions(bool SplitRoutes = false);
