// Runs an external command with a hard timeout and captured output; on timeout the whole process tree
// is killed, so no test can hang on a stuck peer, ping or transfer.
using System.Diagnostics;
using System.Text;

namespace WgSharp.Interop.Tests.Harness;

internal static class ProcessRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    // After the command exits (or is killed), how long to wait for its output pipes to reach EOF: a
    // grandchild that inherited them could otherwise hold the harness forever.
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(3);

    public static async Task<ProcessResult> RunAsync(
        IReadOnlyList<string> command,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var limit = timeout ?? DefaultTimeout;
        using var run = Start(command, environment);
        var timedOut = false;
        using (var cts = new CancellationTokenSource(limit))
        {
            try
            {
                await run.Process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                timedOut = !run.Process.HasExited;
                KillTree(run.Process);
            }
        }

        // Output stays as captured so far if the pipes do not close in time.
        await Task.WhenAny(run.OutputClosed, Task.Delay(DrainTimeout)).ConfigureAwait(false);
        return run.Finish(timedOut);
    }

    /// <summary>Like <see cref="RunAsync"/> but throws <see cref="ProcessFailedException"/> unless the command exited 0 in time.</summary>
    public static async Task<ProcessResult> RunCheckedAsync(
        IReadOnlyList<string> command,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var result = await RunAsync(command, timeout, environment).ConfigureAwait(false);
        return result.Succeeded ? result : throw new ProcessFailedException(result);
    }

    /// <summary>Synchronous variant for Dispose and process-exit paths, which cannot await.</summary>
    public static ProcessResult Run(IReadOnlyList<string> command, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        using var run = Start(command, environment: null);
        var timedOut = false;
        if (!run.Process.WaitForExit(limit))
        {
            timedOut = !run.Process.HasExited;
            KillTree(run.Process);
        }

        // WaitForExit(TimeSpan) does not wait for the asynchronous readers to see EOF: wait for that
        // separately, bounded, or the captured output may still be empty.
        run.Process.WaitForExit(DrainTimeout);
        run.OutputClosed.Wait(DrainTimeout);
        return run.Finish(timedOut);
    }

    /// <summary>Kills a process and all its descendants; a process that already exited is left alone.</summary>
    public static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill: nothing left to do.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // A descendant vanished while the tree was being walked; the rest were signalled.
        }
    }

    public static string Format(IReadOnlyList<string> command) =>
        string.Join(' ', command.Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? ShellQuote.Word(a) : a));

    private static Running Start(IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment)
    {
        if (command.Count == 0)
        {
            throw new ArgumentException("empty command", nameof(command));
        }

        var info = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        var running = new Running(new Process { StartInfo = info }, Format(command));
        running.Begin();
        return running;
    }

    private sealed class Running(Process process, string commandLine) : IDisposable
    {
        private readonly StringBuilder _stdout = new(); // guarded by itself
        private readonly StringBuilder _stderr = new(); // guarded by itself
        private readonly Stopwatch _clock = new();
        private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Process Process { get; } = process;

        /// <summary>Completes when both output pipes reached EOF (the readers deliver a null line).</summary>
        public Task OutputClosed => Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task);

        public void Begin()
        {
            Process.OutputDataReceived += (_, e) => Append(_stdout, e.Data, _stdoutClosed);
            Process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data, _stderrClosed);
            _clock.Start();
            Process.Start();
            // Commands never read the test's stdin; closing it makes any that try see EOF at once.
            Process.StandardInput.Close();
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public ProcessResult Finish(bool timedOut)
        {
            _clock.Stop();
            var exitCode = Process.HasExited ? Process.ExitCode : -1;
            string stdout, stderr;
            lock (_stdout)
            {
                stdout = _stdout.ToString();
            }

            lock (_stderr)
            {
                stderr = _stderr.ToString();
            }

            return new ProcessResult(commandLine, exitCode, stdout, stderr, _clock.Elapsed, timedOut);
        }

        public void Dispose() => Process.Dispose();

        private static void Append(StringBuilder sink, string? line, TaskCompletionSource closed)
        {
            if (line is null)
            {
                closed.TrySetResult();
                return;
            }

            lock (sink)
            {
                sink.Append(line).Append('\n');
            }
        }
    }
}
