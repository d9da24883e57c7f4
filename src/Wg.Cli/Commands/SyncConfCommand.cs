// `wgsharp syncconf <interface> <file>`: makes a running interface match a configuration file without
// disturbing what already matches, like `wg syncconf` but stricter about it: the file (a wg-quick file;
// Address, DNS and hooks are not the interface's business here) is compared with the running
// configuration, and one set transaction, without replace_peers, changes only what differs. Peers that
// match are not mentioned at all, so their sessions, endpoints learned by roaming and counters carry on.
// A wgsharp daemon also gets the file's policy ([Rule], [Forward], MssClamp, peer options) first, when
// it differs from the one in force (rules that stay equal keep their hit counters). For an interface
// `wgsharp up` made, the kernel's [Rule] steering follows the file too (SyncConfKernel), recorded in the
// state file for `down`.
using System.Text;
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Host;
using WgSharp.Cli.Presentation;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Commands;

internal static class SyncConfCommand
{
    public const string Arguments = "<interface> <configuration-filename>";

    public static int Run(CliContext context, string[] args) =>
        Run(context, args, UapiSocket.DefaultDirectory, ConfigPath.DefaultDirectory, resolverOptions: null);

    /// <param name="configDirectory">Where a bare interface name given as the file is looked up.</param>
    /// <param name="store">Where `up` keeps its state files (the default directory when null).</param>
    internal static int Run(CliContext context, string[] args, string socketDirectory, string configDirectory,
        EndpointResolver.Options? resolverOptions, QuickStateStore? store = null)
    {
        if (args.Length != 2)
        {
            context.Error.WriteLine($"Usage: wgsharp syncconf {Arguments}");
            return 1;
        }

        using InterfaceConfig? config = Load(context, args[1], configDirectory, resolverOptions);
        if (config is null)
        {
            return 1;
        }

        SyncConfKernel? kernel;
        var console = new QuickConsole(context.Error);
        try
        {
            kernel = SyncConfKernel.Prepare(args[0], config, store ?? new QuickStateStore(clock: context.Clock), console, context.Clock);
        }
        catch (Exception e) when (e is QuickException or NetlinkException or IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"wgsharp: the kernel steering of {args[0]} cannot be re-planned: {e.Message}; nothing was changed");
            return 1;
        }

        using (kernel)
        {
            return Sync(context, args[0], config, socketDirectory, kernel);
        }
    }

    // The daemon's policy and device configuration, with the kernel's new steering added before and the old removed
    // after (SyncConfKernel); a refusal on the way removes what was added.
    private static int Sync(CliContext context, string interfaceName, InterfaceConfig config, string socketDirectory, SyncConfKernel? kernel)
    {
        UapiClient client;
        DeviceSnapshot running;
        try
        {
            client = UapiClient.ConnectAsync(interfaceName, socketDirectory).GetAwaiter().GetResult();
        }
        catch (Exception e) when (AccessError.IsAccessFailure(e))
        {
            context.Error.WriteLine("Unable to access interface: " + AccessError.Describe(e));
            return 1;
        }

        bool done = false;
        try
        {
            try
            {
                running = client.GetAsync().GetAwaiter().GetResult();
            }
            catch (Exception e) when (AccessError.IsAccessFailure(e))
            {
                context.Error.WriteLine("Unable to retrieve current interface configuration: " + AccessError.Describe(e));
                return 1;
            }

            using (running)
            {
                try
                {
                    kernel?.AddNew();
                }
                catch (Exception e) when (e is QuickException or NetlinkException)
                {
                    context.Error.WriteLine($"wgsharp: the kernel steering of {interfaceName} cannot be changed: {e.Message}; nothing was changed");
                    return 1;
                }

                // The policy first: a daemon that refuses it has changed nothing at all then.
                switch (SyncRouter(context, interfaceName, config, client))
                {
                    case false:
                        return 1;
                    case null:
                        // Not a wgsharp daemon: it closed the connection at the unknown operation.
                        client.Dispose();
                        client = UapiClient.ConnectAsync(interfaceName, socketDirectory).GetAwaiter().GetResult();
                        break;
                }

                using DeviceUpdate update = SyncConfPlanner.Plan(config, running, kernel?.FirewallMark);
                if (!update.IsEmpty)
                {
                    try
                    {
                        client.SetAsync(update).GetAwaiter().GetResult();
                    }
                    catch (Exception e) when (AccessError.IsAccessFailure(e))
                    {
                        context.Error.WriteLine("Unable to modify interface: " + AccessError.Describe(e));
                        return 1;
                    }
                }

                done = true;
                try
                {
                    kernel?.Finish();
                }
                catch (Exception e) when (e is QuickException or IOException or UnauthorizedAccessException)
                {
                    context.Error.WriteLine($"wgsharp: the new configuration is in force, but the old kernel steering of {interfaceName} "
                        + $"was not all removed or recorded: {e.Message}; `wgsharp down {interfaceName}' removes what is recorded");
                    return 1;
                }
            }
        }
        catch (Exception e) when (AccessError.IsAccessFailure(e))
        {
            context.Error.WriteLine("Unable to access interface: " + AccessError.Describe(e));
            return 1;
        }
        finally
        {
            if (!done)
            {
                kernel?.Undo();
            }

            client.Dispose();
        }

        return 0;
    }

    /// <summary>
    /// Makes the daemon's router configuration the file's ([Rule], [Forward], MssClamp, peer options), keeping
    /// the kernel table `up` chose for when-up routes. Nothing is sent when it is already in force (a device
    /// keeps the hit counters of equal rules anyway). True: done; false: refused (reported); null: the daemon
    /// does not know the operation (wireguard-go), so the connection is gone; the policy is then not applied,
    /// with a warning when the file has one.
    /// </summary>
    private static bool? SyncRouter(CliContext context, string interfaceName, InterfaceConfig config, UapiClient client)
    {
        RouterInfo? info;
        try
        {
            info = client.TryGetRouterInfoAsync(0).GetAwaiter().GetResult();
        }
        catch (Exception e) when (AccessError.IsAccessFailure(e))
        {
            context.Error.WriteLine("Unable to retrieve current policy configuration: " + AccessError.Describe(e));
            return false;
        }

        RouterConfiguration desired = RouterConfigurationMapper.Map(config, info?.Configuration.WhenUpRouteTable);
        if (info is null)
        {
            if (desired.Rules.Count > 0 || desired.Forwards.Count > 0 || desired.MssClamp != 0 || desired.Peers.Count > 0)
            {
                context.Error.WriteLine($"Warning: the daemon of {interfaceName} is not wgsharp: [Rule], [Forward], MssClamp and peer options are not applied");
            }

            return null;
        }

        if (Text(desired) == Text(info.Configuration))
        {
            return true;
        }

        try
        {
            client.SetRouterConfigurationAsync(desired).GetAwaiter().GetResult();
            return true;
        }
        catch (ConfigurationException e)
        {
            context.Error.WriteLine($"Unable to modify interface: the daemon refused the policy: {e.Message}; nothing was changed");
            return false;
        }

        static string Text(RouterConfiguration configuration)
        {
            var text = new StringBuilder();
            RouterConfigurationWriter.Write(configuration, text);
            return text.ToString();
        }
    }

    private static InterfaceConfig? Load(CliContext context, string file, string configDirectory, EndpointResolver.Options? resolverOptions)
    {
        string path = file;
        try
        {
            // Like `wgsharp strip`, a bare interface name means its file in /etc/wireguard.
            if (!File.Exists(path) && ConfigPath.IsValidInterfaceName(path))
            {
                path = ConfigPath.Resolve(path, out _, configDirectory);
            }
        }
        catch (ConfigException e)
        {
            context.Error.WriteLine("wgsharp: " + e.Message);
            return null;
        }

        ConfigParseResult result = ConfigParser.ParseFile(path);
        foreach (ConfigError warning in result.Warnings)
        {
            context.Error.WriteLine("Warning: " + warning);
        }

        foreach (ConfigError error in result.Errors)
        {
            context.Error.WriteLine(error.ToString());
        }

        if (result.Config is not { } config)
        {
            context.Error.WriteLine("wgsharp: the configuration has errors; nothing was changed");
            return null;
        }

        try
        {
            EndpointResolver.ResolveAll(config, resolverOptions);
            return config;
        }
        catch (ConfigException e)
        {
            foreach (ConfigError error in e.Errors)
            {
                context.Error.WriteLine(error.ToString());
            }

            config.Dispose();
            return null;
        }
    }
}
