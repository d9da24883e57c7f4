// kill(2) and /proc/<pid>/stat start times: signal a process only while it is the one that was recorded
// (a pid can be reused after the daemon is gone; pid plus start time cannot).
using System.Globalization;
using System.Runtime.InteropServices;

namespace WgSharp.Cli.Host;

internal static partial class ProcessSignals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Field 22 of /proc/&lt;pid&gt;/stat (proc(5): starttime, in clock ticks after boot); null when
    /// the process does not exist (or is a zombie, which no signal can stop any more).</summary>
    public static ulong? StartTime(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may itself contain ')' and spaces.
        int close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        string[] fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state); starttime is field 22.
        if (fields.Length < 20 || fields[0] == "Z" || fields[0] == "X")
        {
            return null;
        }

        return ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start) ? start : null;
    }

    /// <summary>True while <paramref name="pid"/> runs and started at <paramref name="startTime"/> (0: any start).</summary>
    public static bool IsRunning(int pid, ulong startTime) =>
        pid > 0 && StartTime(pid) is { } actual && (startTime == 0 || actual == startTime);

    /// <summary>Sends <paramref name="signal"/>; false when the process does not exist.</summary>
    public static bool Send(int pid, int signal) => pid > 0 && kill(pid, signal) == 0;

    /// <summary>Waits until the process is gone; false when it still runs after <paramref name="timeout"/>.</summary>
    public static bool WaitForExit(int pid, ulong startTime, TimeSpan timeout, TimeProvider clock)
    {
        long started = clock.GetTimestamp();
        while (IsRunning(pid, startTime))
        {
            if (clock.GetElapsedTime(started) > timeout)
            {
                return false;
            }

            Thread.Sleep(20);
        }

        return true;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
