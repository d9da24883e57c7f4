// Thrown when a command that had to succeed failed or timed out; the message carries its output.
namespace WgSharp.Interop.Tests.Harness;

internal sealed class ProcessFailedException(ProcessResult result)
    : Exception($"command failed: {result.Describe()}")
{
    public ProcessResult Result { get; } = result;
}
