// Dispatches wgsharp's sub-commands and prints their usage. Each command is one row of the table
// below; the help text is generated from it.
namespace WgSharp.Cli.Commands;

internal static class CommandLine
{
    /// <param name="Name">What the user types after `wgsharp`.</param>
    /// <param name="Arguments">The synopsis after the name (empty when the command takes none).</param>
    /// <param name="Summary">One line for the help listing.</param>
    /// <param name="Run">Gets the arguments after the name; returns the exit code.</param>
    internal sealed record Command(string Name, string Arguments, string Summary, Func<CliContext, string[], int> Run);

    internal static readonly Command[] Commands =
    [
        new("genkey", "", "Generate a new private key and write it to standard output in base64", GenKeyCommand.RunPrivate),
        new("genpsk", "", "Generate a new preshared key and write it to standard output in base64", GenKeyCommand.RunPreshared),
        new("pubkey", "< private-key", "Read a base64 private key from standard input and write its public key", PubKeyCommand.Run),
        new("up", UpCommand.Arguments, UpCommand.Summary, UpCommand.Run),
        new("down", DownCommand.Arguments, DownCommand.Summary, DownCommand.Run),
        new("show", ShowCommand.Arguments, "Show the configuration and runtime information of interfaces, as wg show", ShowCommand.Run),
        new("showconf", ShowConfCommand.Arguments, "Show an interface's current configuration as a configuration file, as wg showconf", ShowConfCommand.Run),
        new("syncconf", SyncConfCommand.Arguments, "Apply a configuration file to a running interface, changing only what differs (live sessions stay up)", SyncConfCommand.Run),
        new("strip", StripCommand.Arguments, "Print a configuration file without what wg does not understand (for wg setconf/syncconf)", StripCommand.Run),
        new("demo", "", "Run two WireGuard engines against each other in memory and narrate what happens", RunDemo),
        new("help", "[<command>]", "Show this help, or one command's usage (also -h, --help)", RunHelp),
        new("version", "", "Show the version (also --version)", RunVersion),
    ];

    public static int Run(string[] args) => Run(args, CliContext.FromProcess());

    public static int Run(string[] args, CliContext context)
    {
        if (args.Length == 0)
        {
            context.Error.Write(Usage());
            return 1;
        }

        string name = args[0] switch
        {
            "-h" or "--help" => "help",
            "--version" => "version",
            _ => args[0],
        };
        Command? command = Array.Find(Commands, c => c.Name == name);
        if (command is null && Daemon.DaemonCommand.Matches(args))
        {
            return Daemon.DaemonCommand.Run(context, args);
        }

        if (command is null)
        {
            string? suggestion = NearestCommand(args[0]);
            context.Error.Write(suggestion is null
                ? $"wgsharp: unknown command '{args[0]}'\n\n{Usage()}"
                : $"wgsharp: unknown command '{args[0]}'; did you mean '{suggestion}'? " +
                  $"(to run an interface named '{args[0]}', use: wgsharp -f {args[0]})\n");
            return 1;
        }

        string[] rest = args[1..];
        if (rest is ["-h" or "--help"] && command.Name != "help")
        {
            context.WriteLine(CommandUsage(command));
            return 0;
        }

        return command.Run(context, rest);
    }

    private static int RunDemo(CliContext context, string[] args)
    {
        if (args.Length != 0)
        {
            context.Error.Write("Usage: wgsharp demo\n");
            return 1;
        }

        using var output = new StreamWriter(context.Output, leaveOpen: true) { AutoFlush = false };
        int result = Demo.EngineDemo.Run(output);
        output.Flush();
        return result;
    }

    /// <summary>
    /// A command the given word is probably a typo of, if any. A bare interface name starts a daemon (as with
    /// wireguard-go), so a mistyped command must not silently create an interface named after the typo.
    /// Short command names allow one edit, longer ones two: two edits from "up" would also catch
    /// ordinary interface names such as "wg", "tun" or "vpn".
    /// </summary>
    internal static string? NearestCommand(string word)
    {
        foreach (Command command in Commands)
        {
            int allowedEdits = command.Name.Length <= 4 ? 1 : 2;
            if (EditDistance(word, command.Name) <= allowedEdits)
            {
                return command.Name;
            }
        }

        return null;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    internal static string Version
    {
        get
        {
            Version version = typeof(CommandLine).Assembly.GetName().Version!;
            return $"{version.Major}.{version.Minor}.{version.Build}";
        }
    }

    internal static string Usage()
    {
        int width = Commands.Max(c => c.Name.Length) + 2;
        var text = new System.Text.StringBuilder();
        text.Append("Usage: wgsharp [-f|--foreground] [--user <name>] <interface>\n");
        text.Append("       wgsharp <command> [<arguments>]\n\n");
        text.Append("wgsharp is a userspace WireGuard for Linux with a built-in policy router.\n\n");
        text.Append("wgsharp <interface> creates the TUN interface and serves its configuration socket\n");
        text.Append("/var/run/wireguard/<interface>.sock, exactly like wireguard-go: configure it with `wg`, or let\n");
        text.Append("wg-quick do it (WG_QUICK_USERSPACE_IMPLEMENTATION=wgsharp). It goes to the background once the\n");
        text.Append("interface is ready, unless -f/--foreground or WG_PROCESS_FOREGROUND=1 is given, and stops on\n");
        text.Append("SIGTERM/SIGINT, when the interface is deleted, or when its socket file is removed.\n");
        text.Append("LOG_LEVEL=silent|error|verbose sets what it logs (default error). An interface named like a\n");
        text.Append("command below cannot be started this way.\n\n");
        text.Append("Once its interface, sockets and rtnetlink socket exist, it gives up root: it becomes the user\n");
        text.Append("--user names, else WGSHARP_USER, else the system user wgsharp if there is one, else nobody (with\n");
        text.Append("that user's group and no other), sets no_new_privs, and keeps CAP_NET_ADMIN (plus\n");
        text.Append("CAP_NET_BIND_SERVICE for a port below 1024) on its main thread only. --user root (or\n");
        text.Append("WGSHARP_USER=root) keeps root. It says at start what it runs as, or why it could not drop.\n\n");
        text.Append("Commands:\n");
        foreach (Command command in Commands)
        {
            text.Append("  ").Append(command.Name.PadRight(width)).Append(command.Summary).Append('\n');
        }

        text.Append("\nRun `wgsharp help <command>' for a command's usage.\n");
        text.Append("Example: umask 077; wgsharp genkey | tee private.key | wgsharp pubkey > public.key\n");
        return text.ToString();
    }

    private static string CommandUsage(Command command) =>
        $"Usage: wgsharp {command.Name}{(command.Arguments.Length > 0 ? " " + command.Arguments : "")}\n\n{command.Summary}." +
        (CommandHelp.For(command.Name) is { } details ? "\n\n" + details.TrimEnd('\n') : "");

    private static int RunHelp(CliContext context, string[] args)
    {
        if (args.Length == 0)
        {
            context.Output.Write(System.Text.Encoding.UTF8.GetBytes(Usage()));
            context.Output.Flush();
            return 0;
        }

        Command? command = args.Length == 1 ? Array.Find(Commands, c => c.Name == args[0]) : null;
        if (command is null)
        {
            context.Error.Write($"wgsharp: no help for '{string.Join(' ', args)}'\n\n{Usage()}");
            return 1;
        }

        context.WriteLine(CommandUsage(command));
        return 0;
    }

    private static int RunVersion(CliContext context, string[] args)
    {
        if (args.Length != 0)
        {
            context.Error.WriteLine("Usage: wgsharp version");
            return 1;
        }

        context.WriteLine("wgsharp v" + Version);
        return 0;
    }
}
