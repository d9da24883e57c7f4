// The process runner: output capture, exit codes, and the hard timeout that kills a whole process tree.
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.HarnessTests;

public sealed class ProcessRunnerTests
{
    [Fact(Timeout = 30_000)]
    public async Task CapturesOutputAndExitCode()
    {
        var result = await ProcessRunner.RunAsync(["sh", "-c", "echo out; echo err >&2; exit 3"]);
        Assert.Equal(3, result.ExitCode);
        Assert.False(result.TimedOut);
        Assert.Equal("out\n", result.StandardOutput);
        Assert.Equal("err\n", result.StandardError);
        var failure = await Assert.ThrowsAsync<ProcessFailedException>(() => ProcessRunner.RunCheckedAsync(["sh", "-c", "echo why >&2; exit 1"]));
        Assert.Contains("why", failure.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task TimeoutKillsTheWholeTree()
    {
        // The shell starts a grandchild and prints its pid; both must be gone after the timeout.
        var result = await ProcessRunner.RunAsync(["sh", "-c", "sleep 60 & echo $!; wait"], TimeSpan.FromSeconds(1));
        Assert.True(result.TimedOut, result.Describe());
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(10), result.Describe());
        var grandchild = int.Parse(result.StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(StaleResourceSweeper.IsAlive(grandchild), $"grandchild {grandchild} survived the timeout");
    }

    [Fact]
    public void SynchronousRunIsBoundedToo()
    {
        var result = ProcessRunner.Run(["sleep", "60"], TimeSpan.FromMilliseconds(300));
        Assert.True(result.TimedOut);
        Assert.False(result.Succeeded);
    }
}
