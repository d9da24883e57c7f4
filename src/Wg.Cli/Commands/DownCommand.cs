// `wgsharp down <name|path|ifname>`: wg-quick down for an interface `wgsharp up` brought up: PreDown
// hooks, SaveConfig, then exactly what the state file lists is removed (also when the daemon was killed),
// PostDown hooks. Like wg-quick, an interface that is not up is an error (exit 1) that changes nothing.
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Host;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Commands;

internal static class DownCommand
{
    public const string Arguments = "<config-file | interface>";

    public const string Summary = "Take down an interface brought up by `wgsharp up`, removing exactly what it installed";

    public static int Run(CliContext context, string[] args) =>
        Run(context, args, ConfigPath.DefaultDirectory, new QuickStateStore(clock: context.Clock));

    internal static int Run(CliContext context, string[] args, string configDirectory, QuickStateStore store)
    {
        var console = new QuickConsole(context.Error);
        if (args.Length != 1 || args[0].StartsWith('-'))
        {
            console.Line($"Usage: wgsharp down {Arguments}");
            return 1;
        }

        string? path;
        string interfaceName;
        try
        {
            path = ConfigPath.Resolve(args[0], out interfaceName, configDirectory);
        }
        catch (ConfigException) when (ConfigPath.IsValidInterfaceName(args[0]))
        {
            // `down wg0` for an interface brought up from a file elsewhere: the state knows which.
            path = null;
            interfaceName = args[0];
        }
        catch (ConfigException e)
        {
            console.Line("wgsharp: " + e.Message);
            return 1;
        }

        try
        {
            using IDisposable locked = store.LockInterface(interfaceName);
            QuickState? state = store.Load(interfaceName);
            using RtNetlink netlink = RtNetlink.Open();
            if (state is null)
            {
                console.Line(netlink.TryGetLink(interfaceName) is null
                    ? $"wgsharp: `{interfaceName}' is not a WireGuard interface"
                    : $"wgsharp: `{interfaceName}' was not brought up by `wgsharp up' (no {store.PathFor(interfaceName)}); "
                      + "take it down with `wg-quick down' or `ip link del'");
                return 1;
            }

            // Rules and sysctls belong to a namespace: removing them from another one could hit someone else's.
            ulong here = NetworkNamespaceIdentity.Current();
            if (state.NetworkNamespace != 0 && here != 0 && state.NetworkNamespace != here)
            {
                console.Line($"wgsharp: `{interfaceName}' was brought up in another network namespace (net:[{state.NetworkNamespace}]); "
                    + "run `wgsharp down' there (ip netns exec ...)");
                return 1;
            }

            path ??= state.ConfigPath;
            using InterfaceConfig? config = path is null || !File.Exists(path) ? null : LoadForDown(path, console);
            if (config is null)
            {
                console.Warning("no readable configuration: PreDown/PostDown hooks and SaveConfig are skipped");
            }

            HookRunner.Run(config?.PreDown ?? [], interfaceName, "PreDown", console);
            if (config is { SaveConfig: true })
            {
                SaveConfig(config, path!, state, netlink, console);
            }

            bool complete = new QuickTeardown(netlink, state, store, console, context.Clock).Run();
            HookRunner.Run(config?.PostDown ?? [], interfaceName, "PostDown", console);
            return complete ? 0 : 1;
        }
        catch (Exception e) when (e is QuickException or NetlinkException or IOException or UnauthorizedAccessException)
        {
            console.Line("wgsharp: " + e.Message);
            return 1;
        }
    }

    // Errors in the file do not keep an interface up: they are reported, and `down` goes on without hooks.
    private static InterfaceConfig? LoadForDown(string path, QuickConsole console)
    {
        ConfigParseResult parsed = ConfigParser.ParseFile(path);
        foreach (ConfigError error in parsed.Errors)
        {
            console.Line("wgsharp: " + error);
        }

        return parsed.Config;
    }

    private static void SaveConfig(InterfaceConfig config, string path, QuickState state, RtNetlink netlink, QuickConsole console)
    {
        if (DaemonProcess.Find(state.Interface) is null || netlink.TryGetLink(state.Interface) is not { } link)
        {
            console.Warning($"SaveConfig: the daemon for '{state.Interface}' is not running; `{path}' is left as it is");
            return;
        }

        console.Command($"wg showconf {state.Interface}");
        using UapiClient client = UapiClient.ConnectAsync(state.Interface).GetAwaiter().GetResult();
        using DeviceSnapshot device = client.GetAsync().GetAwaiter().GetResult();
        var addresses = netlink.ListAddresses(link.Index)
            .Where(a => a.Scope == RouteScope.Universe)
            .Select(a => a.Prefix)
            .ToList();
        string text = ConfigSaver.Compose(config, device, addresses, link.Mtu, state.FirewallMark);
        ConfigSaver.Write(path, text);
    }
}
