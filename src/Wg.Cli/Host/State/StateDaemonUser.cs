// The user `up` started the daemon as (its `User =`, else the default DaemonPrivileges picks): the owner of the
// daemon's directory, so `down` accepts records only from a file that user owns.
namespace WgSharp.Cli.Host;

internal sealed class StateDaemonUser
{
    public string Name { get; set; } = "";

    public uint Uid { get; set; }

    public uint Gid { get; set; }
}
