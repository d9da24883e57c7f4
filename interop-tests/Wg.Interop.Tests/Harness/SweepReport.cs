// What one stale-resource sweep removed.
namespace WgSharp.Interop.Tests.Harness;

internal sealed record SweepReport(int Namespaces, int Sockets, int Processes, int TempDirectories);
