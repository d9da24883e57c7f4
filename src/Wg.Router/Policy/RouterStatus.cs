// What the policy router reports about itself, as data: the rules in force with their hit counts, the
// tracked flows, and the counters by reason. Formatting it (rule text, counter names, flow states) is
// the presentation's job.
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Device;
using WgSharp.Router.Nat;

namespace WgSharp.Router.Policy;

public sealed class RouterStatus
{
    /// <summary>Every rule of the configuration in force, in order, with its hits (zero for a rule left out).</summary>
    public required IReadOnlyList<RuleHits> Rules { get; init; }

    /// <summary>The configuration's peer names, by key.</summary>
    public required IReadOnlyDictionary<PublicKey, string> PeerNames { get; init; }

    /// <summary>Tracked flows, at most as many as asked for.</summary>
    public required IReadOnlyList<TrackedFlow> Flows { get; init; }

    public int FlowCount { get; init; }

    public int FlowCapacity { get; init; }

    public required RouterCounters Counters { get; init; }

    /// <summary>Every `Routes = when-up` peer and whether it is live.</summary>
    public required IReadOnlyList<KeyValuePair<PublicKey, bool>> WhenUpPeers { get; init; }
}

/// <summary>A rule and the packets and bytes it decided.</summary>
public sealed record RuleHits(RouterRule Rule, ulong Packets, ulong Bytes);

/// <summary>A tracked flow and the key of the peer it goes to or comes from (null: none the device has now).</summary>
public sealed record TrackedFlow(FlowSnapshot Flow, PublicKey? Peer);

/// <summary>The router's counters at one moment: conntrack's, NAT drops and device drops by reason.</summary>
public sealed class RouterCounters
{
    public long ConntrackInserted { get; init; }

    public long ConntrackExpired { get; init; }

    public long ConntrackEvicted { get; init; }

    public long ConntrackRefusedFull { get; init; }

    public long ConntrackPortsExhausted { get; init; }

    public long ConntrackReplyInUse { get; init; }

    public long ConntrackRefusedShare { get; init; }

    /// <summary>Every NatDrop reason, in enum order.</summary>
    public required IReadOnlyList<KeyValuePair<NatDrop, long>> NatDrops { get; init; }

    /// <summary>Every DeviceDrop reason, in enum order.</summary>
    public required IReadOnlyList<KeyValuePair<DeviceDrop, long>> DeviceDrops { get; init; }

    public long this[NatDrop reason] => NatDrops[(int)reason].Value;

    public long this[DeviceDrop reason] => DeviceDrops[(int)reason].Value;
}
