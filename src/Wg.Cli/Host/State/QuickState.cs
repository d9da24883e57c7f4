// What `wgsharp up` installed for one interface, kept in /run/wgsharp/<ifname>.state so that `down`
// removes exactly that, also after the daemon was killed or `up` itself died half-way. Every item is
// recorded before it is created (and dropped again when it turned out to exist already), so the file
// never misses something that exists; `down` tolerates items that are already gone.
using System.Net.Sockets;

namespace WgSharp.Cli.Host;

internal sealed class QuickState
{
    public const int CurrentVersion = 1;

    public int Version { get; set; } = CurrentVersion;

    public string Interface { get; set; } = "";

    /// <summary>The configuration file `up` read (readlink -f), for `down &lt;ifname&gt;` hooks and SaveConfig.</summary>
    public string? ConfigPath { get; set; }

    /// <summary>The network namespace `up` ran in (inode of /proc/self/ns/net); 0 when unknown.</summary>
    public ulong NetworkNamespace { get; set; }

    public QuickPhase Phase { get; set; } = QuickPhase.Starting;

    public DateTimeOffset Started { get; set; }

    /// <summary>Set as soon as the daemon is being started; its pid when known.</summary>
    public StateDaemon? Daemon { get; set; }

    /// <summary>Who the daemon runs as; set (and its directory made) before it is started. Null in state files of
    /// older versions, whose daemon kept root.</summary>
    public StateDaemonUser? DaemonUser { get; set; }

    /// <summary>The fwmark `up` gave the device for policy routing (not one from the file); null for none.</summary>
    public uint? FirewallMark { get; set; }

    /// <summary>The table of the policy-routed default routes; null when there are none.</summary>
    public uint? PolicyTable { get; set; }

    /// <summary>The table of the [Rule] steering (its default routes are `dev &lt;if&gt;`); null when none was installed.</summary>
    public uint? SteeringTable { get; set; }

    /// <summary>The per-peer steering tables of `Routes = when-up` peers whose default routes the daemon keeps while
    /// the peer is live (nothing of them is installed by `up`; the routes vanish with the link).</summary>
    public List<StateWhenUpSteering> WhenUpSteering { get; set; } = [];

    public List<StateDefaultRoute> DefaultRoutes { get; set; } = [];

    /// <summary>Interface addresses as added ("10.0.0.2/24").</summary>
    public List<string> Addresses { get; set; } = [];

    /// <summary>In the order they were added; removed in reverse.</summary>
    public List<StateRoute> Routes { get; set; } = [];

    /// <summary>In the order they were added; removed in reverse.</summary>
    public List<StateRule> Rules { get; set; } = [];

    public List<StateLocalRuleMove> LocalRuleMoves { get; set; } = [];

    /// <summary>Keys of kernel parameters this interface holds in the shared registry (SharedSysctl).</summary>
    public List<string> Sysctls { get; set; } = [];

    /// <summary>The resolvconf(8) record name `up` registered DNS under ("tun.wg0"); null for none.</summary>
    public string? ResolvconfInterface { get; set; }

    /// <summary>True when `up` installed IPv4 or IPv6 default routing of the given kind.</summary>
    public bool Uses(AddressFamily family, DefaultRouteMode mode) =>
        DefaultRoutes.Exists(d => d.Family == family && d.Mode == mode);
}
