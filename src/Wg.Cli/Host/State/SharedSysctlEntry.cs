// One kernel parameter `up` changed that several interfaces may rely on: its value before the first
// of them changed it and which interfaces still rely on it.
namespace WgSharp.Cli.Host;

internal sealed class SharedSysctlEntry
{
    public ulong NetworkNamespace { get; set; }

    public string Key { get; set; } = "";

    public string Previous { get; set; } = "";

    public List<string> Users { get; set; } = [];
}
