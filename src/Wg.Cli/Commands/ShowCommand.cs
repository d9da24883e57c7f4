// `wgsharp show`: what `wg show` prints, read from the interfaces' UAPI sockets (so it works against
// wireguard-go too): the readable form, colored on a terminal, or one field or the whole dump,
// tab-separated for scripts, for one interface or all of them. For a wgsharp daemon with a policy the
// readable form adds peer names, rules, flows and drop counters, and the rules, conntrack and drops
// views show them for scripts; dump and wg's fields stay exactly wg's.
using WgSharp.Cli.Presentation;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Commands;

internal static class ShowCommand
{
    public const string Arguments =
        "{ <interface> | all | interfaces } [public-key | private-key | listen-port | fwmark | peers | preshared-keys | " +
        "endpoints | allowed-ips | latest-handshakes | transfer | persistent-keepalive | dump | rules | conntrack | drops]";

    public static int Run(CliContext context, string[] args) => Run(context, args, ShowOptions.FromProcess() with { Clock = context.Clock });

    internal static int Run(CliContext context, string[] args, ShowOptions options)
    {
        if (args.Length > 2)
        {
            return Usage(context);
        }

        if (args is ["help" or "-h" or "--help"])
        {
            context.WriteLine($"Usage: wgsharp show {Arguments}");
            return 0;
        }

        View? field = null;
        if (args.Length == 2)
        {
            if (ShowFields.TryParse(args[1], out ShowField parsed))
            {
                field = new View(parsed, null);
            }
            else if (PolicyViews.TryParse(args[1], out PolicyView policyView))
            {
                field = new View(null, policyView);
            }
            else
            {
                context.Error.WriteLine($"Invalid parameter: `{UapiSyntax.Printable(args[1])}'");
                return Usage(context);
            }
        }

        using var writer = new ShowWriter(options.Colors, options.HideKeys);
        if (args.Length == 0 || args[0] == "all")
        {
            return ShowAll(context, writer, field, options);
        }

        if (args[0] == "interfaces")
        {
            if (args.Length > 1)
            {
                return Usage(context);
            }

            if (!TryList(context, options, out List<string> names))
            {
                return 1;
            }

            if (names.Count > 0)
            {
                writer.Text(string.Join(' ', names)).Text('\n').FlushTo(context.Output);
            }

            return 0;
        }

        if (!TryRead(args[0], options, RouterFlows(field), out ShownDevice? device, out string? error))
        {
            context.Error.WriteLine("Unable to access interface: " + error);
            return 1;
        }

        using (device!.Snapshot)
        {
            if (field?.Policy is not null && device.Router is null)
            {
                context.Error.WriteLine($"Unable to show {args[1]}: {args[0]} is not served by a wgsharp daemon (no policy router)");
                return 1;
            }

            Print(writer, device, field, withInterface: false);
        }

        writer.FlushTo(context.Output);
        return 0;
    }

    // wg's rules: exit 0 when there is no interface at all or when at least one could be read; an
    // interface that cannot be read is reported and skipped; readable forms are separated by a blank line.
    private static int ShowAll(CliContext context, ShowWriter writer, View? field, ShowOptions options)
    {
        if (!TryList(context, options, out List<string> names))
        {
            return 1;
        }

        int exitCode = names.Count > 0 ? 1 : 0;
        for (int i = 0; i < names.Count; i++)
        {
            if (!TryRead(names[i], options, RouterFlows(field), out ShownDevice? device, out string? error))
            {
                context.Error.WriteLine($"Unable to access interface {names[i]}: {error}");
                continue;
            }

            using (device!.Snapshot)
            {
                Print(writer, device, field, withInterface: true);
            }

            if (field is null && i < names.Count - 1)
            {
                writer.Text('\n');
            }

            writer.FlushTo(context.Output);
            exitCode = 0;
        }

        return exitCode;
    }

    private static void Print(ShowWriter writer, ShownDevice device, View? field, bool withInterface)
    {
        if (field?.Wg is { } one)
        {
            DumpPrinter.Write(writer, device, one, withInterface);
        }
        else if (field?.Policy is { } view)
        {
            PolicyPrinter.WriteView(writer, device, view, withInterface);
        }
        else
        {
            PrettyPrinter.Write(writer, device);
        }
    }

    // How many flows to ask a wgsharp daemon for; null: do not ask (wg's fields and dump need nothing more).
    private static int? RouterFlows(View? field) => field switch
    {
        null => PolicyPrinter.ReadableFlows,
        { Policy: PolicyView.Conntrack } => UapiServer.MaxFlowsPerReply,
        { Policy: not null } => 0,
        _ => null,
    };

    private static bool TryList(CliContext context, ShowOptions options, out List<string> names)
    {
        try
        {
            names = InterfaceDiscovery.List(options.SocketDirectory);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine("Unable to list interfaces: " + e.Message);
            names = [];
            return false;
        }
    }

    /// <summary>Reads one interface's configuration and counters.</summary>
    internal static bool TryRead(string name, ShowOptions options, out ShownDevice? device, out string? error) =>
        TryRead(name, options, routerFlows: null, out device, out error);

    /// <summary>Reads one interface's configuration and counters, and with <paramref name="routerFlows"/> its policy
    /// router's (null for a daemon other than wgsharp's).</summary>
    internal static bool TryRead(string name, ShowOptions options, int? routerFlows, out ShownDevice? device, out string? error)
    {
        try
        {
            (DeviceSnapshot snapshot, RouterInfo? router) = ReadAsync(name, options.SocketDirectory, routerFlows).GetAwaiter().GetResult();
            device = new ShownDevice(name, snapshot, options.Clock.GetUtcNow(), router);
            error = null;
            return true;
        }
        catch (Exception e) when (AccessError.IsAccessFailure(e))
        {
            device = null;
            error = AccessError.Describe(e);
            return false;
        }
    }

    private static async Task<(DeviceSnapshot, RouterInfo?)> ReadAsync(string name, string socketDirectory, int? routerFlows)
    {
        using UapiClient client = await UapiClient.ConnectAsync(name, socketDirectory).ConfigureAwait(false);
        DeviceSnapshot snapshot = await client.GetAsync().ConfigureAwait(false);
        try
        {
            // Asked last: a daemon that does not know the operation closes the connection.
            RouterInfo? router = routerFlows is { } flows ? await client.TryGetRouterInfoAsync(flows).ConfigureAwait(false) : null;
            return (snapshot, router);
        }
        catch
        {
            snapshot.Dispose();
            throw;
        }
    }

    /// <summary>A wg field, or one of wgsharp's policy views.</summary>
    private sealed record View(ShowField? Wg, PolicyView? Policy);

    private static int Usage(CliContext context)
    {
        context.Error.WriteLine($"Usage: wgsharp show {Arguments}");
        return 1;
    }
}
