// What one stale-resource sweep removed, and what it failed to remove.
namespace WgSharp.Interop.Tests.Harness;

internal sealed record SweepReport(int Namespaces, int Sockets, int Processes, int TempDirectories, IReadOnlyList<string> Errors)
{
    public override string ToString() =>
        $"{Namespaces} namespaces, {Sockets} sockets, {Processes} processes, {TempDirectories} temp directories removed" +
        (Errors.Count == 0 ? "" : "; errors:\n" + string.Join("\n", Errors));
}
