// The policy router's control plane: the configuration in force, compiled (RouterCompiler) against the
// device's peers and published for the data path; recompiled whenever peers or the MTU change; status
// for `wgsharp show`; and what the timer thread asks of it (liveness, conntrack sweeps). Everything here
// but the timer calls runs under the device's configuration lock.
using Microsoft.Extensions.Logging;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Device;
using WgSharp.Router.Nat;

namespace WgSharp.Router.Policy;

internal sealed partial class PolicyRouter
{
    private readonly PeerTable _peers;
    private readonly IcmpResponder _icmp;
    private readonly DeviceCounters _counters;
    private readonly TimeProvider _time;
    private readonly long _epoch;
    private readonly PeerLiveness _liveness;
    private readonly PolicyStage<Peer> _rules = new();

    // Guarded by the device's configuration lock: the configuration in force, the index in its Rules of each compiled
    // rule, and the NAT engine (created when first needed). Read by the data path: _nat (set once) and _state.
    private RouterConfiguration _configuration = RouterConfiguration.Empty;
    private int[] _compiledRuleSources = [];
    private NatEngine? _nat;

    // Read by the data path once per packet (outbound) or batch (inbound); null: nothing to do (the fast path).
    private volatile RouterState? _state;

    public PolicyRouter(
        PeerTable peers, PeerSender sender, IcmpResponder icmp, DeviceCounters counters, ILogger logger, TimeProvider time,
        Action<Peer, bool> livenessChanged)
    {
        _peers = peers;
        _icmp = icmp;
        _counters = counters;
        _time = time;
        _epoch = time.GetTimestamp();
        _liveness = new PeerLiveness(sender, logger, time, livenessChanged);
    }

    /// <summary>The configuration in force (<see cref="RouterConfiguration.Empty"/> at start). Caller holds the lock.</summary>
    public RouterConfiguration Configuration => _configuration;

    /// <summary>Whether a configuration is in force or was (then peers and MTU changes recompile it).</summary>
    public bool IsConfigured => _configuration != RouterConfiguration.Empty || _state is not null;

    /// <summary>Monotonic time for conntrack, from the device's clock.</summary>
    private TimeSpan RouterNow => _time.GetElapsedTime(_epoch);

    /// <summary>Makes a validated configuration the one in force. Caller holds the lock.</summary>
    public void Configure(RouterConfiguration configuration, int mtu)
    {
        _configuration = configuration;
        Recompile(mtu);
    }

    /// <summary>Binds the configuration in force to the current peers and MTU again and publishes it. Caller holds the lock.</summary>
    public void Recompile(int mtu)
    {
        RouterCompiler.Result compiled = RouterCompiler.Compile(_configuration, _peers, mtu, _liveness.IsLive, ref _nat);
        _rules.Replace(compiled.Rules, canReceive: compiled.State.AnyWhenUp ? PeerTable.CanReceive : null);
        _compiledRuleSources = compiled.RuleSources;
        _state = compiled.State.IsInert ? null : compiled.State;
    }

    /// <summary>A peer is gone: its flows go with it. Caller holds the lock.</summary>
    public void RemovePeer(Peer peer) => _nat?.RemovePeer(peer.Tag);

    /// <summary>Timer thread, every tick: `Routes = when-up` probes and live states.</summary>
    public void UpdateLiveness(Peer[] peers, bool linkUp, byte[] buffer) => _liveness.Update(_state, peers, linkUp, buffer);

    /// <summary>Timer thread, once a second: expired flows leave the table.</summary>
    public void Sweep() => _nat?.Tracker.Sweep(RouterNow);

    /// <summary>Rules with hit counts, up to <paramref name="maxFlows"/> tracked flows, and counters. Caller holds the lock.</summary>
    public RouterStatus GetStatus(int maxFlows)
    {
        RouterConfiguration configuration = _configuration;
        PolicyTable<Peer> table = _rules.Current;
        var counts = new PolicyRuleCounts[configuration.Rules.Count];
        for (int i = 0; i < _compiledRuleSources.Length && i < table.Rules.Length; i++)
        {
            counts[_compiledRuleSources[i]] = table.GetCounts(i);
        }

        var rules = new List<RuleHits>(configuration.Rules.Count);
        for (int i = 0; i < configuration.Rules.Count; i++)
        {
            rules.Add(new RuleHits(configuration.Rules[i], (ulong)counts[i].Packets, (ulong)counts[i].Bytes));
        }

        Dictionary<int, PublicKey> tags = _peers.All.ToDictionary(p => p.Tag, p => p.PublicKey);
        var flows = new List<TrackedFlow>();
        if (_nat is not null && maxFlows > 0)
        {
            foreach (FlowSnapshot flow in _nat.Tracker.Snapshot(RouterNow))
            {
                if (flows.Count == maxFlows)
                {
                    break;
                }

                flows.Add(new TrackedFlow(flow, tags.TryGetValue(flow.Peer, out PublicKey key) ? key : null));
            }
        }

        return new RouterStatus
        {
            Rules = rules,
            PeerNames = configuration.Peers.Where(p => p.Name is not null).ToDictionary(p => p.PublicKey, p => p.Name!),
            Flows = flows,
            FlowCount = _nat?.Tracker.Count ?? 0,
            FlowCapacity = _nat?.Tracker.Capacity ?? 0,
            Counters = CollectCounters(),
            WhenUpPeers = [.. _peers.All.Where(p => p.RoutesWhenUp).Select(p => new KeyValuePair<PublicKey, bool>(p.PublicKey, p.IsDestination))],
        };
    }

    private RouterCounters CollectCounters()
    {
        ConntrackCounters? conntrack = _nat?.Tracker.Counters;
        return new RouterCounters
        {
            ConntrackInserted = conntrack?.Created ?? 0,
            ConntrackExpired = conntrack?.Expired ?? 0,
            ConntrackEvicted = conntrack?.Evicted ?? 0,
            ConntrackRefusedFull = conntrack?.Refused ?? 0,
            ConntrackPortsExhausted = conntrack?.PortsExhausted ?? 0,
            ConntrackReplyInUse = conntrack?.ReplyInUse ?? 0,
            ConntrackRefusedShare = conntrack?.RefusedOverShare ?? 0,
            NatDrops = [.. Enum.GetValues<NatDrop>().Select(r => new KeyValuePair<NatDrop, long>(r, _nat?.Counters[r] ?? 0))],
            DeviceDrops = [.. Enum.GetValues<DeviceDrop>().Select(r => new KeyValuePair<DeviceDrop, long>(r, _counters[r]))],
        };
    }
}
