// What arrived at the far end of one TCP bulk transfer, and how fast.
namespace WgSharp.Interop.Tests.Harness;

internal sealed record TcpTransferResult(long BytesReceived, string ReceivedSha256, TimeSpan Elapsed)
{
    public double Megabits => BytesReceived * 8 / 1e6;

    public double MegabitsPerSecond => Megabits / Math.Max(Elapsed.TotalSeconds, 1e-6);
}
