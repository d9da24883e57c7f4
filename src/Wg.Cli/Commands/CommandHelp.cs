// The long descriptions `wgsharp help <command>` (and `wgsharp <command> --help`) print after the usage
// line: what the command does, its files, its options and its exit status, man-page style.
namespace WgSharp.Cli.Commands;

internal static class CommandHelp
{
    /// <summary>The description of <paramref name="command"/>, or null for commands whose summary says it all.</summary>
    public static string? For(string command) => command switch
    {
        "up" => Up,
        "down" => Down,
        "syncconf" => SyncConf,
        "strip" => Strip,
        _ => null,
    };

    private const string Up = """
        A bare name means /etc/wireguard/<name>.conf; otherwise the argument is a path whose file name,
        minus ".conf", names the interface (1-15 characters of [a-zA-Z0-9_=+.-], as wg-quick requires).
        The file is wg-quick's format, plus WgSharp's policy keys (see the README): every key wg-quick
        accepts works the same way, and a file that does not parse changes nothing.

        Steps, each printed as "[#] ..." as wg-quick prints them:
          PreUp hooks; the daemon (`wgsharp --user <user> <ifname>`) started and configured over its
          UAPI socket;
          addresses, MTU (default: the MTU of the route to the endpoints minus 80) and link up; DNS
          through resolvconf; a route per AllowedIPs prefix into Table (auto, off, a number or a name),
          longest prefix first; for a default route (0.0.0.0/0 or ::/0 with Table = auto) wg-quick's
          policy rules: the socket gets fwmark 51820 (or the first free table), `not fwmark -> table`,
          `table main suppress_prefixlength 0`, and net.ipv4.conf.all.src_valid_mark=1 when needed;
          a guard against packets for the tunnel address arriving on other interfaces; PostUp hooks.
        Where the kernel refuses policy rules (some OpenVZ and LXC hosts), the default route is
        installed as 0.0.0.0/1 + 128.0.0.0/1 (and ::/1 + 8000::/1) with a host route to each endpoint
        through the original gateway; `up` says which mode it used.

        Everything installed is recorded in /run/wgsharp/<ifname>.state, so `wgsharp down` removes
        exactly that, also after the daemon was killed. If any step fails, or SIGINT/SIGTERM arrives,
        what was done so far is undone.

        The daemon gives up root once it is set up: it runs as the user `User =` in [Interface] names,
        else WGSHARP_USER, else the system user wgsharp if there is one, else nobody, keeping only
        CAP_NET_ADMIN (and CAP_NET_BIND_SERVICE for a ListenPort below 1024) on one thread; `User = root`
        keeps root. It reads /run/wgsharp/<ifname>.plan (root's, readable by its group) and records the
        endpoint host routes it adds in /run/wgsharp/<ifname>.daemon/ (its own), which `down` reads as
        data, also after the daemon was killed. An unknown user is an error before anything changes.

        Options:
          --split-routes   use the half routes even where policy rules work

        Exit status: 0 when the interface is up; 1 on any error (already up, bad file, a refused step).
        Also usable as WG_QUICK_USERSPACE_IMPLEMENTATION=wgsharp for wg-quick itself.
        """;

    private const string Down = """
        Runs PreDown hooks, saves the running configuration back to the file when SaveConfig = true,
        removes what /run/wgsharp/<ifname>.state says `wgsharp up` installed (rules, routes, addresses,
        DNS, sysctls it changed, the daemon and its interface) and runs PostDown hooks. Rules, routing
        tables and addresses are left exactly as they were before `up`.

        The argument is the same name or path given to `up`, or the interface name. Running `down` for
        an interface that is not up prints an error and changes nothing (exit 1).
        """;

    private const string SyncConf = """
        Reads a configuration file (wg format; wg-quick keys such as Address are ignored, as by
        `wg syncconf <(wg-quick strip ...)`) and changes the running interface to match it: peers not in
        the file are removed, new ones added, changed ones updated. Peers that stay keep their sessions,
        endpoints and counters, so nothing is interrupted. WgSharp's policy sections ([Rule], [Forward],
        MssClamp, peer Name/Inbound/Routes) in the file are applied too.
        """;

    private const string Strip = """
        Prints the file without wg-quick's keys (Address, DNS, MTU, Table, hooks, SaveConfig) and without
        WgSharp's own keys and sections, leaving what `wg setconf` and `wg syncconf` understand. The
        argument is a path, or a bare name for /etc/wireguard/<name>.conf.
        """;
}
