// `wgsharp syncconf <interface> <file>`: makes a running interface match a configuration file without
// disturbing what already matches, like `wg syncconf` but stricter about it: the file (a wg-quick file;
// Address, DNS and hooks are not the interface's business here) is compared with the running
// configuration, and one set transaction, without replace_peers, changes only what differs. Peers that
// match are not mentioned at all, so their sessions, endpoints learned by roaming and counters carry on.
// A wgsharp daemon also gets the file's policy ([Rule], [Forward], MssClamp, peer options) first, when
// it differs from the one in force (rules that stay equal keep their hit counters).
using System.Net;
using System.Text;
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Presentation;
using WgSharp.Cli.Uapi;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Commands;

internal static class SyncConfCommand
{
    public const string Arguments = "<interface> <configuration-filename>";

    public static int Run(CliContext context, string[] args) =>
        Run(context, args, UapiSocket.DefaultDirectory, ConfigPath.DefaultDirectory, resolverOptions: null);

    /// <param name="configDirectory">Where a bare interface name given as the file is looked up.</param>
    internal static int Run(CliContext context, string[] args, string socketDirectory, string configDirectory,
        EndpointResolver.Options? resolverOptions)
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

        UapiClient client;
        DeviceSnapshot running;
        try
        {
            client = UapiClient.ConnectAsync(args[0], socketDirectory).GetAwaiter().GetResult();
        }
        catch (Exception e) when (AccessError.IsAccessFailure(e))
        {
            context.Error.WriteLine("Unable to access interface: " + AccessError.Describe(e));
            return 1;
        }

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
                // The policy first: a daemon that refuses it has changed nothing at all then.
                switch (SyncRouter(context, args[0], config, client))
                {
                    case false:
                        return 1;
                    case null:
                        // Not a wgsharp daemon: it closed the connection at the unknown operation.
                        client.Dispose();
                        client = UapiClient.ConnectAsync(args[0], socketDirectory).GetAwaiter().GetResult();
                        break;
                }

                using DeviceUpdate update = Plan(config, running);
                if (update.IsEmpty)
                {
                    return 0;
                }

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
        }
        catch (Exception e) when (AccessError.IsAccessFailure(e))
        {
            context.Error.WriteLine("Unable to access interface: " + AccessError.Describe(e));
            return 1;
        }
        finally
        {
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

    /// <summary>
    /// The set transaction that turns <paramref name="running"/> into what <paramref name="desired"/>
    /// describes (what `wg setconf` would make of it), mentioning only what differs: the private key and
    /// fwmark (absent means 0) when they differ; the listen port when the file names one other than 0 and
    /// it differs (without one, wg would rebind to a random port; the port in use is as random as any);
    /// running peers missing from the file removed first; then, in file order, new peers in full and
    /// changed peers with only what changed: the preshared key (absent means none), the endpoint when the
    /// file gives one, the keepalive (absent means off), and the allowed IPs (compared as sets; when they
    /// differ, replaced). A prefix listed for several peers belongs to the last one, as after setconf.
    /// The caller owns (and disposes) the update.
    /// </summary>
    internal static DeviceUpdate Plan(InterfaceConfig desired, DeviceSnapshot running)
    {
        var update = new DeviceUpdate();
        try
        {
            if (desired.PrivateKey is { } privateKey && !privateKey.SecretEquals(running.PrivateKey))
            {
                update.PrivateKey = privateKey.Clone();
            }
            else if (desired.PrivateKey is null && running.PrivateKey is not null)
            {
                update.PrivateKey = PrivateKey.FromBytes(new byte[32]);
            }

            if (desired.ListenPort is { } port and not 0 && port != running.ListenPort)
            {
                update.ListenPort = port;
            }

            if ((desired.FirewallMark ?? 0) != running.FirewallMark)
            {
                update.FirewallMark = desired.FirewallMark ?? 0;
            }

            var runningPeers = new Dictionary<PublicKey, PeerSnapshot>();
            foreach (PeerSnapshot peer in running.Peers)
            {
                runningPeers[peer.PublicKey] = peer;
            }

            var desiredKeys = new HashSet<PublicKey>(desired.Peers.Select(p => p.PublicKey));
            foreach (PeerSnapshot peer in running.Peers)
            {
                if (!desiredKeys.Contains(peer.PublicKey))
                {
                    update.Peers.Add(new PeerUpdate(peer.PublicKey) { Remove = true });
                }
            }

            Dictionary<PeerConfig, List<IPNetwork>> allowedIps = DesiredAllowedIps(desired);
            foreach (PeerConfig peer in desired.Peers)
            {
                PeerUpdate? change = runningPeers.TryGetValue(peer.PublicKey, out PeerSnapshot? current)
                    ? Difference(peer, allowedIps[peer], current)
                    : Creation(peer, allowedIps[peer]);
                if (change is not null)
                {
                    update.Peers.Add(change);
                }
            }

            return update;
        }
        catch
        {
            update.Dispose();
            throw;
        }
    }

    // Each peer's prefixes without repeats; a prefix listed for several peers only for the last of them
    // (setconf adds them in file order, and adding a prefix to a peer takes it from any other).
    private static Dictionary<PeerConfig, List<IPNetwork>> DesiredAllowedIps(InterfaceConfig desired)
    {
        var owner = new Dictionary<IPNetwork, PeerConfig>();
        foreach (PeerConfig peer in desired.Peers)
        {
            foreach (IPNetwork network in peer.AllowedIps)
            {
                owner[network] = peer;
            }
        }

        var result = new Dictionary<PeerConfig, List<IPNetwork>>(ReferenceEqualityComparer.Instance);
        foreach (PeerConfig peer in desired.Peers)
        {
            var seen = new HashSet<IPNetwork>();
            result[peer] = [.. peer.AllowedIps.Where(n => owner[n] == peer && seen.Add(n))];
        }

        return result;
    }

    private static PeerUpdate Creation(PeerConfig peer, List<IPNetwork> allowedIps)
    {
        var creation = new PeerUpdate(peer.PublicKey)
        {
            PresharedKey = peer.PresharedKey?.Clone(),
            Endpoint = peer.ResolvedEndpoint,
            PersistentKeepaliveInterval = peer.PersistentKeepalive is null or 0 ? null : peer.PersistentKeepalive,
            ReplaceAllowedIps = true,
        };
        foreach (IPNetwork network in allowedIps)
        {
            creation.AllowedIpChanges.Add(new AllowedIpChange(network, Remove: false));
        }

        return creation;
    }

    // Null when the running peer already is what the file says.
    private static PeerUpdate? Difference(PeerConfig peer, List<IPNetwork> allowedIps, PeerSnapshot current)
    {
        var change = new PeerUpdate(peer.PublicKey);
        bool changed = false;
        if (!SamePresharedKey(peer.PresharedKey, current.PresharedKey))
        {
            change.PresharedKey = peer.PresharedKey?.Clone() ?? PresharedKey.FromBytes(new byte[32]);
            changed = true;
        }

        if (peer.ResolvedEndpoint is { } endpoint && !endpoint.Equals(current.Endpoint))
        {
            change.Endpoint = endpoint;
            changed = true;
        }

        ushort keepalive = peer.PersistentKeepalive ?? 0;
        if (keepalive != current.PersistentKeepaliveInterval)
        {
            change.PersistentKeepaliveInterval = keepalive;
            changed = true;
        }

        if (!new HashSet<IPNetwork>(current.AllowedIps).SetEquals(allowedIps))
        {
            change.ReplaceAllowedIps = true;
            foreach (IPNetwork network in allowedIps)
            {
                change.AllowedIpChanges.Add(new AllowedIpChange(network, Remove: false));
            }

            changed = true;
        }

        if (changed)
        {
            return change;
        }

        change.Dispose();
        return null;
    }

    private static bool SamePresharedKey(PresharedKey? desired, PresharedKey? current) =>
        desired is null ? current is null : desired.SecretEquals(current);

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
