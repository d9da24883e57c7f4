// A long-running child (daemon, listener) whose stdout and stderr go to a log file; stopped with
// SIGTERM, then SIGKILL to its whole tree if it does not leave in time.
using System.Diagnostics;

namespace WgSharp.Interop.Tests.Harness;

internal sealed class BackgroundProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log; // guarded by itself
    private bool _logClosed; // guarded by _log
    private int _disposed; // 0 or 1, set once through Interlocked
    private int _openPipes = 2; // stdout and stderr until their readers see EOF
    private readonly TaskCompletionSource _pipesClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BackgroundProcess(Process process, string logPath, string commandLine)
    {
        _process = process;
        LogPath = logPath;
        CommandLine = commandLine;
        _log = new StreamWriter(new FileStream(logPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    }

    public string LogPath { get; }

    public string CommandLine { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public static BackgroundProcess Start(
        IReadOnlyList<string> command,
        string logPath,
        IReadOnlyDictionary<string, string>? environment = null)
    {
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

        var process = new Process { StartInfo = info };
        var background = new BackgroundProcess(process, logPath, ProcessRunner.Format(command));
        process.OutputDataReceived += (_, e) => background.Write(e.Data);
        process.ErrorDataReceived += (_, e) => background.Write(e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            background.CloseLog();
            process.Dispose();
            throw;
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return background;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit on its own.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return _process.HasExited;
        }
    }

    /// <summary>The log so far (the file stays open for writing).</summary>
    public string ReadLog()
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The last <paramref name="maxChars"/> characters of the log, for failure messages.</summary>
    public string ReadLogTail(int maxChars = 6000)
    {
        var log = ReadLog();
        return log.Length <= maxChars ? log : "...\n" + log[^maxChars..];
    }

    /// <summary>SIGTERM, up to <paramref name="grace"/> to exit cleanly, then SIGKILL to the whole tree.</summary>
    public void Stop(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            Libc.Kill(_process.Id, Libc.SIGTERM);
            if (!_process.WaitForExit(grace))
            {
                ProcessRunner.KillTree(_process);
                _process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }

        // Let the asynchronous readers deliver the last lines before the log closes (bounded: a
        // grandchild could hold the pipes open).
        _pipesClosed.Task.Wait(TimeSpan.FromSeconds(1));
        CloseLog();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Stop(TimeSpan.FromSeconds(3));
        _process.Dispose();
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            if (Interlocked.Decrement(ref _openPipes) == 0)
            {
                _pipesClosed.TrySetResult();
            }

            return;
        }

        lock (_log)
        {
            if (!_logClosed)
            {
                _log.WriteLine(line);
            }
        }
    }

    private void CloseLog()
    {
        lock (_log)
        {
            if (!_logClosed)
            {
                _logClosed = true;
                _log.Dispose();
            }
        }
    }
}
