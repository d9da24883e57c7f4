// The receiver-side summary of an iperf3 UDP run (iperf3 -J, end.sum_received).
namespace WgSharp.Interop.Tests.Harness;

internal sealed record UdpRunResult(
    long Packets,
    long LostPackets,
    double LostPercent,
    double BitsPerSecond,
    double JitterMilliseconds,
    string Json)
{
    public double MegabitsPerSecond => BitsPerSecond / 1e6;
}
