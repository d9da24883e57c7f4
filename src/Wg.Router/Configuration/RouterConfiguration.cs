// The policy router's configuration for one device, as the control plane hands it over: what a config
// file's [Rule], [Forward], MssClamp, ConntrackPerPeer and per-peer Name/Inbound/Routes keys say, with peers named by
// public key. Replaced as a whole (WireGuardDevice.SetRouterConfiguration); validated in full first.
using System.Net;
using WgSharp.Noise.Keys;
using WgSharp.Tun.Net;

namespace WgSharp.Router.Configuration;

public sealed class RouterConfiguration
{
    /// <summary>The empty configuration: no rules, no forwards, no clamping; every peer behaves as in plain WireGuard.</summary>
    public static RouterConfiguration Empty { get; } = new();

    /// <summary>Per-peer options. A peer of the device that is not listed takes the defaults (no name,
    /// Inbound = any, Routes = always). A listed key that is not (yet) a peer of the device is kept and
    /// takes effect when the peer is added.</summary>
    public IReadOnlyList<RouterPeerOptions> Peers { get; init; } = [];

    /// <summary>Rules in file order; <see cref="RouterRule.Priority"/> reorders them.</summary>
    public IReadOnlyList<RouterRule> Rules { get; init; } = [];

    public IReadOnlyList<RouterForward> Forwards { get; init; } = [];

    /// <summary>0: off. <see cref="MssClampAuto"/>: the tunnel MTU minus 40 (IPv4) / 60 (IPv6). Otherwise
    /// the fixed MSS for both families.</summary>
    /// <summary>
    /// Where a packet from one peer to an address another peer owns goes when no rule decides (`Relay`): the
    /// kernel (default, as wg-quick) or straight to that peer. Rules that send to a peer relay in userspace either way.
    /// </summary>
    public RouterRelay Relay { get; init; }

    public int MssClamp { get; init; }

    public const int MssClampAuto = -1;

    /// <summary>`ConntrackPerPeer`: most connection-tracking flows one peer, or the local side, may hold at once;
    /// null: <see cref="DefaultConntrackPerPeer"/>.</summary>
    public RouterFlowShare? ConntrackPerPeer { get; init; }

    /// <summary>A quarter of the table: it takes four owners at their share to fill it, and one peer can hold at most
    /// a quarter of the flows the others and the local side need.</summary>
    public static RouterFlowShare DefaultConntrackPerPeer { get; } = new(25, IsPercent: true);

    /// <summary>The interface's own addresses (the config's Address keys, without prefix lengths): the
    /// masquerade source of each family (the first of that family) and the addresses port forwards listen on.</summary>
    public IReadOnlyList<IPAddress> InterfaceAddresses { get; init; } = [];

    /// <summary>The kernel routing table the AllowedIPs routes of `Routes = when-up` peers belong in
    /// (installed by the daemon while such a peer has a live session); null: the daemon manages no
    /// kernel routes (Table = off, or the interface was not brought up by `wgsharp up`).</summary>
    public uint? WhenUpRouteTable { get; init; }
}

/// <summary>A number of flows, or a percentage of the connection-tracking table (1-100).</summary>
public readonly record struct RouterFlowShare(int Value, bool IsPercent)
{
    /// <summary>Largest number of flows a share may name (the largest table).</summary>
    public const int MaxFlows = 1 << 24;

    /// <summary>The number of flows this share is of a table of <paramref name="capacity"/> flows: at least 1, at most the table.</summary>
    public int Resolve(int capacity) =>
        (int)Math.Clamp(IsPercent ? (long)capacity * Value / 100 : Value, 1, capacity);

    /// <summary>"25%" or "4096", as the config file and the UAPI write it.</summary>
    public override string ToString() =>
        Value.ToString(System.Globalization.CultureInfo.InvariantCulture) + (IsPercent ? "%" : "");
}

/// <param name="PublicKey">The peer.</param>
/// <param name="Name">The config's Name (rules, logs and `wgsharp show` use it); null: none.</param>
/// <param name="InboundEstablishedOnly">`Inbound = established`: only replies to flows that went out to this peer (and ICMP errors about them) are accepted from it.</param>
/// <param name="RoutesWhenUp">`Routes = when-up`: the peer is a destination (AllowedIPs lookups, rules naming it, kernel routes) only while it has a live session; otherwise lookups fall through to the next rule or less specific route.</param>
public sealed record RouterPeerOptions(PublicKey PublicKey, string? Name, bool InboundEstablishedOnly, bool RoutesWhenUp);

public enum RouterRuleAction
{
    /// <summary>Route normally (by AllowedIPs), or to <see cref="RouterRule.Peer"/> when the rule names one.</summary>
    Route,
    /// <summary>Let it through on its direction's default path; stop evaluating.</summary>
    Accept,
    /// <summary>Drop silently.</summary>
    Drop,
    /// <summary>Drop and answer ICMP administratively prohibited.</summary>
    Reject,
    /// <summary>Set <see cref="RouterRule.SetMark"/> and go on evaluating.</summary>
    SetMark,
}

/// <summary>One [Rule] section. Unset selectors match everything.</summary>
public sealed record RouterRule
{
    /// <summary>The config line of the [Rule] header (0: unknown), shown by `wgsharp show`.</summary>
    public int Line { get; init; }

    public IReadOnlyList<PrefixSelector> From { get; init; } = [];

    public IReadOnlyList<PrefixSelector> To { get; init; } = [];

    public byte? Protocol { get; init; }

    public PortRange? Port { get; init; }

    public PortRange? SourcePort { get; init; }

    /// <summary>null: packets from the local side (TUN); otherwise packets decrypted from this peer.</summary>
    public PublicKey? Input { get; init; }

    public Mark? Mark { get; init; }

    /// <summary>
    /// The conntrack states the rule applies to; <see cref="RouterRuleStates.None"/> (not given): new flows only.
    /// Anything beyond new goes with accept, drop, reject or setmark: a tracked flow keeps the route it got.
    /// </summary>
    public RouterRuleStates State { get; init; }

    /// <summary>With <see cref="RouterRuleAction.Route"/>: send to this peer whatever AllowedIPs say.</summary>
    public PublicKey? Peer { get; init; }

    public RouterRuleAction Action { get; init; }

    public bool Masquerade { get; init; }

    /// <summary>The mark of <see cref="RouterRuleAction.SetMark"/>.</summary>
    public Mark? SetMark { get; init; }

    public uint? Priority { get; init; }
}

/// <summary>One [Forward] section: packets from peers for an interface address on <see cref="Port"/>
/// (protocol 6 or 17) go to <see cref="To"/>; the target port is <see cref="ToPort"/>, or the same port
/// when null.</summary>
public sealed record RouterForward(byte Protocol, PortRange Port, IPAddress To, ushort? ToPort)
{
    public int Line { get; init; }
}
