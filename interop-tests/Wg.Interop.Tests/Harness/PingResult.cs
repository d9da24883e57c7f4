// Counts from one ping(8) run, with its output for failure messages.
namespace WgSharp.Interop.Tests.Harness;

internal sealed record PingResult(int Transmitted, int Received, ProcessResult Process)
{
    public bool AllReceived => Transmitted > 0 && Received == Transmitted;

    public override string ToString() => $"{Received}/{Transmitted} replies; {Process.Describe()}";
}
