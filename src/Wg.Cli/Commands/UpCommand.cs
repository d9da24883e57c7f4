// `wgsharp up [--split-routes] <name|path>`: wg-quick up on top of the wgsharp daemon, with the kernel
// changes made over rtnetlink and recorded in /run/wgsharp/<ifname>.state for `down`. Any failure (or
// SIGINT/SIGTERM) on the way removes what was done so far, as wg-quick's trap does, and exits 1.
using System.Runtime.InteropServices;
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Daemon;
using WgSharp.Cli.Host;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Commands;

internal static class UpCommand
{
    public const string Arguments = "[--split-routes] <config-file | interface>";

    public const string Summary =
        "Bring up an interface from a wg-quick configuration file: daemon, addresses, MTU, DNS, routes and rules";

    public static int Run(CliContext context, string[] args) =>
        Run(context, args, ConfigPath.DefaultDirectory, new QuickStateStore(clock: context.Clock));

    internal static int Run(CliContext context, string[] args, string configDirectory, QuickStateStore store)
    {
        var console = new QuickConsole(context.Error);
        bool splitRoutes = args.Length == 2 && args[0] == "--split-routes";
        if (args.Length != 1 + (splitRoutes ? 1 : 0) || args[^1].StartsWith('-'))
        {
            console.Line($"Usage: wgsharp up {Arguments}");
            return 1;
        }

        if (QuickCommandSupport.LoadConfig(args[^1], configDirectory, console, out string path, out string interfaceName) is not { } config)
        {
            return 1;
        }

        using (config)
        {
            if (DaemonUser(config, path, console) is not { } user)
            {
                return 1;
            }

            try
            {
                using IDisposable locked = store.LockInterface(interfaceName);
                using RtNetlink netlink = RtNetlink.Open();
                return Up(config, path, interfaceName, new UpOptions(splitRoutes), user, netlink, store, console, context.Clock);
            }
            catch (Exception e) when (e is QuickException or NetlinkException or IOException or UnauthorizedAccessException)
            {
                console.Line("wgsharp: " + e.Message);
                return 1;
            }
        }
    }

    /// <summary>
    /// The user the daemon will run as: `User =` in the file, else WGSHARP_USER, else the default
    /// (DaemonPrivileges); null after printing why when there is no such user (nothing has been changed then).
    /// </summary>
    internal static StateDaemonUser? DaemonUser(InterfaceConfig config, string path, QuickConsole console)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(Daemon.DaemonPrivileges.UserVariable);
        string name = config.User ?? (fromEnvironment is { Length: > 0 } ? fromEnvironment : Daemon.DaemonPrivileges.DefaultUser());
        if (Daemon.DaemonPrivileges.TryFind(name, out uint uid, out uint gid))
        {
            return new StateDaemonUser { Name = name, Uid = uid, Gid = gid };
        }

        console.Line("wgsharp: " + (config.User is not null
            ? new ConfigError(path, config.UserLine, $"User: no such user {ConfigValues.Quote(name)}").ToString()
            : $"the daemon's user '{name}' ({Daemon.DaemonPrivileges.UserVariable}) does not exist"));
        console.Line($"wgsharp: `{path}': nothing was changed");
        return null;
    }

    private static int Up(InterfaceConfig config, string path, string interfaceName, UpOptions options, StateDaemonUser user,
        RtNetlink netlink, QuickStateStore store, QuickConsole console, TimeProvider clock)
    {
        if (store.Exists(interfaceName))
        {
            // Also after a killed daemon or a killed `up`: `down` removes what is left first.
            console.Line($"wgsharp: `{interfaceName}' is already up ({store.PathFor(interfaceName)}); run `wgsharp down {interfaceName}' first");
            return 1;
        }

        if (netlink.TryGetLink(interfaceName) is not null)
        {
            console.Line($"wgsharp: `{interfaceName}' already exists");
            return 1;
        }

        var state = new QuickState
        {
            Interface = interfaceName,
            ConfigPath = path,
            NetworkNamespace = NetworkNamespaceIdentity.Current(),
            Started = clock.GetUtcNow(),
            DaemonUser = user,
        };
        store.Save(state);

        // wg-quick traps INT and TERM during up to undo what it did; so does this: the steps check the flag.
        int interrupted = 0;
        void Interrupt(PosixSignalContext signal)
        {
            signal.Cancel = true;
            Volatile.Write(ref interrupted, 1);
        }

        using PosixSignalRegistration onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using PosixSignalRegistration onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        using PosixSignalRegistration onHangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Interrupt);
        long started = clock.GetTimestamp();
        try
        {
            HookRunner.Run(config.PreUp, interfaceName, "PreUp", console);
            EndpointResolver.ResolveAll(config);
            UpPlan plan = UpPlanner.Plan(config, interfaceName, options, new NetlinkRoutingFacts(netlink));
            new QuickUp(netlink, state, store, console, () => Volatile.Read(ref interrupted) != 0, clock).Apply(config, plan, path);
            ApplyRouterConfiguration(config, interfaceName, plan.WhenUpRouteTable, console);
            HookRunner.Run(config.PostUp, interfaceName, "PostUp", console);
            if (Volatile.Read(ref interrupted) != 0)
            {
                throw new QuickException("interrupted");
            }

            state.Phase = QuickPhase.Up;
            store.Save(state);
            SystemdNotifier.NotifyReady(); // wgsharp@.service (Type=notify): the interface is up, routes and all
            return 0;
        }
        catch (Exception e)
        {
            // Whatever went wrong (including a bug), nothing half-done stays behind.
            console.Line("wgsharp: " + (e is QuickException or ConfigException or NetlinkException ? e.Message : e.ToString()));
            console.Warning($"`wgsharp up {interfaceName}' failed after {(long)clock.GetElapsedTime(started).TotalMilliseconds} ms; undoing what it did");
            new QuickTeardown(netlink, state, store, console, clock).Run();
            return 1;
        }
    }

    /// <summary>Sends the file's [Rule], [Forward], MssClamp and peer options to the daemon (nothing for a file
    /// without any, so plain files bring an interface up exactly as wg-quick would).</summary>
    internal static void ApplyRouterConfiguration(InterfaceConfig config, string interfaceName, uint? whenUpRouteTable,
        QuickConsole console, string socketDirectory = Uapi.UapiSocket.DefaultDirectory)
    {
        RouterConfiguration router = RouterConfigurationMapper.Map(config, whenUpRouteTable);
        if (config.Peers.Count > 1)
        {
            console.Note(router.Relay == RouterRelay.Userspace
                ? "relay between peers: userspace (Relay = userspace): traffic from one peer to another goes straight to it, never through the kernel's FORWARD chain"
                : "relay between peers: kernel (Relay = kernel, the default): traffic from one peer to another is forwarded by the kernel (needs ip_forward, passes the FORWARD chain)");
        }

        if (router.Rules.Count == 0 && router.Forwards.Count == 0 && router.MssClamp == 0 && router.Peers.Count == 0 && router.Relay == RouterRelay.Kernel)
        {
            return;
        }

        console.Command($"wgsharp policy: {router.Rules.Count} rules, {router.Forwards.Count} forwards, mss clamp {config.MssClamp}, relay {RelayText.Format(router.Relay)}");
        try
        {
            using Uapi.UapiClient client = Uapi.UapiClient.ConnectAsync(interfaceName, socketDirectory).GetAwaiter().GetResult();
            client.SetRouterConfiguration(router);
        }
        catch (Exception e) when (e is ConfigurationException or System.Net.Sockets.SocketException or IOException)
        {
            throw new QuickException($"the daemon of '{interfaceName}' refused the policy ([Rule], [Forward], MssClamp, peer options): {e.Message}", e);
        }
    }
}
