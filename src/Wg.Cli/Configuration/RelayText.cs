// The Relay value, one grammar for the config file, the UAPI extension and `wgsharp show`: kernel or userspace.
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Configuration;

internal static class RelayText
{
    public static string Format(RouterRelay relay) => relay == RouterRelay.Userspace ? "userspace" : "kernel";

    public static bool TryParse(ReadOnlySpan<char> text, out RouterRelay relay)
    {
        relay = text switch
        {
            "kernel" => RouterRelay.Kernel,
            "userspace" => RouterRelay.Userspace,
            _ => (RouterRelay)(-1),
        };
        return relay >= 0;
    }
}
