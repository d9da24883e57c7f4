// How far `wgsharp up` got for an interface, as its state file records it.
namespace WgSharp.Cli.Host;

internal enum QuickPhase
{
    /// <summary>`up` is running (or died while running): some of what the state lists may exist.</summary>
    Starting,

    /// <summary>`up` finished: everything the state lists was installed.</summary>
    Up,
}
