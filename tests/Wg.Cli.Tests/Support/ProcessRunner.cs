// Runs an external program (the `wg` tool, the built wgsharp) with a hard timeout, feeding stdin and
// capturing stdout/stderr; a process that overruns is killed with its children.
using System.Diagnostics;
using System.Text;

namespace WgSharp.Cli.Tests.Support;

internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}

internal static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, string? standardInput = null,
        TimeSpan? timeout = null, byte[]? standardInputBytes = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancel.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancel.Token);
        try
        {
            byte[] input = standardInputBytes ?? Encoding.UTF8.GetBytes(standardInput ?? "");
            try
            {
                await process.StandardInput.BaseStream.WriteAsync(input, cancel.Token);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The program exited without reading all of its input; its exit status tells the story.
            }

            await process.WaitForExitAsync(cancel.Token);
            return new ProcessResult(process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish in time");
        }
    }
}
