// Counts from one ping(8) run, with its output for failure messages.
namespace WgSharp.Interop.Tests.Harness;

internal sealed record PingResult(int Requested, int Transmitted, int Received, ProcessResult Process)
{
    /// <summary>
    /// The requested number of replies arrived before the deadline. Echoes sent while the handshake
    /// was pending may be lost or answered late, so extra requests going unanswered is not a failure.
    /// </summary>
    public bool Succeeded => Requested > 0 && Received >= Requested;

    public override string ToString() => $"{Received} of {Transmitted} echoes answered ({Requested} wanted); {Process.Describe()}";
}
