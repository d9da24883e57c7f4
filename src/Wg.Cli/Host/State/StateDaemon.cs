// The daemon process `up` started, identified by pid and start time so a reused pid is never signalled.
namespace WgSharp.Cli.Host;

internal sealed class StateDaemon
{
    public int Pid { get; set; }

    /// <summary>Field 22 of /proc/&lt;pid&gt;/stat (clock ticks after boot); 0 when unknown.</summary>
    public ulong StartTime { get; set; }
}
