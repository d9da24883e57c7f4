// The policy router's control plane: SetRouterConfiguration validates a RouterConfiguration, then
// compiles it against the device's peer objects (rules → PolicyStage, forwards → NatEngine, MSS clamp,
// per-peer options) and publishes it for the data path; recompiled whenever peers or the MTU change.
using System.Net;
using System.Text;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Nat;
using WgSharp.Router.Packets;
using WgSharp.Router.Policy;
using WgSharp.Router.Routing;
using WgSharp.Tun.Net;

namespace WgSharp.Router.Device;

internal sealed partial class WireGuardDevice
{
    private static readonly Func<Peer, bool> CanReceive = static peer => peer.IsDestination;

    private readonly PolicyStage<Peer> _policy = new();

    // Guarded by _configLock: the configuration in force, the index in its Rules of each compiled rule (rules naming
    // a peer the device does not have are left out), the NAT engine (created when first needed: its table is
    // allocated up front), and the tag of the next peer object.
    private RouterConfiguration _routerConfiguration = RouterConfiguration.Empty;
    private int[] _compiledRuleSources = [];
    private NatEngine? _nat;
    private int _nextPeerTag;

    // Read by the data path once per packet (outbound) or batch (inbound); null: nothing to do (the fast path).
    private volatile RouterState? _router;

    /// <summary>Raised on the timer thread when a `Routes = when-up` peer's live-session state flips (see WireGuardDevice.Liveness).</summary>
    public event Action<PublicKey, bool>? PeerLivenessChanged;

    /// <summary>Whether packets pass the router stage (false: the configuration in force looks at no packet).</summary>
    public bool HasRouterStage => _router is not null;

    /// <summary>The router configuration in force (<see cref="RouterConfiguration.Empty"/> at start).</summary>
    public RouterConfiguration RouterConfiguration
    {
        get
        {
            lock (_configLock)
            {
                return _routerConfiguration;
            }
        }
    }

    /// <summary>
    /// Validates <paramref name="configuration"/> in full and makes it the one in force; throws
    /// <see cref="ConfigurationException"/> and changes nothing when it is invalid. Rule hit counters of rules that
    /// stay the same carry over; flows already tracked keep their translation until they expire.
    /// </summary>
    public void SetRouterConfiguration(RouterConfiguration configuration)
    {
        RouterConfigurationValidator.Validate(configuration);
        lock (_configLock)
        {
            if (_closing)
            {
                throw new ConfigurationException(ConfigurationErrno.IoError, "The device is shutting down.");
            }

            _routerConfiguration = configuration;
            CompileRouter();
        }
    }

    /// <summary>What `wgsharp show` prints: rules with hit counters, up to <paramref name="maxFlows"/> tracked flows, counters.</summary>
    public RouterSnapshot GetRouterSnapshot(int maxFlows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFlows);
        lock (_configLock)
        {
            if (_closing)
            {
                throw new ConfigurationException(ConfigurationErrno.IoError, "The device is shutting down.");
            }

            RouterConfiguration configuration = _routerConfiguration;
            Dictionary<PublicKey, string> names = configuration.Peers
                .Where(p => p.Name is not null).ToDictionary(p => p.PublicKey, p => p.Name!);
            PolicyTable<Peer> table = _policy.Current;
            var counts = new PolicyRuleCounts[configuration.Rules.Count];
            for (int i = 0; i < _compiledRuleSources.Length && i < table.Rules.Length; i++)
            {
                counts[_compiledRuleSources[i]] = table.GetCounts(i);
            }

            var rules = new List<RouterRuleStatus>(configuration.Rules.Count);
            for (int i = 0; i < configuration.Rules.Count; i++)
            {
                RouterRule rule = configuration.Rules[i];
                rules.Add(new RouterRuleStatus(rule.Line, Describe(rule, names), (ulong)counts[i].Packets, (ulong)counts[i].Bytes));
            }

            Dictionary<int, PublicKey> tags = _peers.Values.ToDictionary(p => p.Tag, p => p.PublicKey);
            var flows = new List<RouterFlow>();
            if (_nat is not null && maxFlows > 0)
            {
                foreach (FlowSnapshot flow in _nat.Tracker.Snapshot(RouterNow))
                {
                    if (flows.Count == maxFlows)
                    {
                        break;
                    }

                    flows.Add(ToRouterFlow(flow, tags));
                }
            }

            return new RouterSnapshot
            {
                Rules = rules,
                Flows = flows,
                FlowCount = _nat?.Tracker.Count ?? 0,
                FlowCapacity = _nat?.Tracker.Capacity ?? 0,
                Counters = CollectCounters(),
                WhenUpPeers = [.. _peers.Values.Where(p => p.RoutesWhenUp).Select(p => new KeyValuePair<PublicKey, bool>(p.PublicKey, p.IsDestination))],
            };
        }
    }

    /// <summary>Monotonic time for conntrack, from the device's TimeProvider.</summary>
    private TimeSpan RouterNow => _time.GetElapsedTime(_epoch);

    // Caller holds _configLock. Compiles _routerConfiguration against the current peers, MTU and addresses and
    // publishes it. Cannot fail on a validated configuration.
    private void CompileRouter()
    {
        RouterConfiguration configuration = _routerConfiguration;
        Dictionary<PublicKey, RouterPeerOptions> options = configuration.Peers.ToDictionary(p => p.PublicKey);
        bool anyWhenUp = false;
        foreach (Peer peer in _peers.Values)
        {
            options.TryGetValue(peer.PublicKey, out RouterPeerOptions? option);
            peer.Name = option?.Name;
            peer.InboundEstablishedOnly = option?.InboundEstablishedOnly ?? false;
            bool whenUp = option?.RoutesWhenUp ?? false;
            if (whenUp && !peer.RoutesWhenUp)
            {
                // Becoming conditional: a destination only if live now. Subscribers start from "not live", so a
                // peer live already is reported up by the next timer tick (ReportedLive differs from it).
                peer.IsDestination = IsLive(peer, _time.GetTimestamp());
                peer.ReportedLive = false;
            }
            else if (!whenUp)
            {
                peer.IsDestination = true;
            }

            peer.RoutesWhenUp = whenUp;
            anyWhenUp |= whenUp;
        }

        List<PolicyRule<Peer>> rules = [];
        List<int> sources = [];
        long priority = 0;
        for (int i = 0; i < configuration.Rules.Count; i++)
        {
            RouterRule rule = configuration.Rules[i];
            // Resolved before rules are left out, so that a left-out rule's priority still passes to those after it.
            priority = rule.Priority ?? priority;
            if (TryCompileRule(rule, (uint)priority, out PolicyRule<Peer>? compiled))
            {
                rules.Add(compiled);
                sources.Add(i);
            }
        }

        _policy.Replace(rules, canReceive: anyWhenUp ? CanReceive : null);
        _compiledRuleSources = [.. sources];

        IpAddressKey masqueradeV4 = default, masqueradeV6 = default;
        foreach (IPAddress address in configuration.InterfaceAddresses)
        {
            IpAddressKey key = IpAddressKey.FromIPAddress(RouterConfigurationValidator.Normalize(address));
            if (key.Family == IpFamily.V4 && masqueradeV4.Family == IpFamily.Unspecified)
            {
                masqueradeV4 = key;
            }
            else if (key.Family == IpFamily.V6 && masqueradeV6.Family == IpFamily.Unspecified)
            {
                masqueradeV6 = key;
            }
        }

        // Rules about traffic from a peer (and rules naming a state) decide flows, so replies must be told apart.
        bool natActive = configuration.Forwards.Count > 0 ||
            configuration.Peers.Any(p => p.InboundEstablishedOnly) ||
            configuration.Rules.Any(r => r.Masquerade || r.Input is not null || r.State != RouterRuleStates.None);
        if (natActive)
        {
            _nat ??= new NatEngine(new ConnectionTracker());
        }

        _nat?.SetPortForwards(ExpandForwards(configuration));
        if (_nat is not null)
        {
            _nat.Tracker.PerOwnerLimit = (configuration.ConntrackPerPeer ?? RouterConfiguration.DefaultConntrackPerPeer).Resolve(_nat.Tracker.Capacity);
        }

        MssClamp clamp = configuration.MssClamp switch
        {
            0 => MssClamp.Off,
            RouterConfiguration.MssClampAuto => MssClamp.ForMtu(Math.Clamp(_mtu > 0 ? _mtu : _tun.Mtu, MssClamp.MinMtu, ushort.MaxValue)),
            int mss => MssClamp.Fixed((ushort)mss),
        };

        var state = new RouterState(rules.Count > 0, natActive, anyWhenUp, clamp, masqueradeV4, masqueradeV6, _peers.Values.ToDictionary(p => p.Tag),
            relayInUserspace: configuration.Relay == RouterRelay.Userspace);
        _router = state.IsInert ? null : state;
    }

    // Caller holds _configLock. False when the rule names a peer the device does not have: it never matches then.
    private bool TryCompileRule(RouterRule rule, uint priority, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PolicyRule<Peer>? compiled)
    {
        compiled = null;
        PolicyInput<Peer> input = PolicyInput<Peer>.Local;
        if (rule.Input is { } inputKey)
        {
            if (!_peers.TryGetValue(inputKey, out Peer? inputPeer))
            {
                return false;
            }

            input = PolicyInput<Peer>.FromPeer(inputPeer);
        }

        Peer? target = null;
        if (rule.Peer is { } targetKey && !_peers.TryGetValue(targetKey, out target))
        {
            return false;
        }

        compiled = new PolicyRule<Peer>
        {
            Source = [.. rule.From.Select(ToPolicyPrefix)],
            Destination = [.. rule.To.Select(ToPolicyPrefix)],
            Protocol = rule.Protocol,
            DestinationPorts = rule.Port is { } port ? new PortRange(port.First, port.Last) : null,
            SourcePorts = rule.SourcePort is { } sourcePort ? new PortRange(sourcePort.First, sourcePort.Last) : null,
            Input = input,
            Mark = rule.Mark is { } mark ? new Mark(mark.Value, mark.Mask) : null,
            States = rule.State == RouterRuleStates.None ? PolicyStates.New : (PolicyStates)rule.State,
            Action = rule.Action switch
            {
                RouterRuleAction.Route => target is null ? PolicyRuleAction.Route : PolicyRuleAction.ToPeer,
                RouterRuleAction.Accept => PolicyRuleAction.Accept,
                RouterRuleAction.Drop => PolicyRuleAction.Drop,
                RouterRuleAction.Reject => PolicyRuleAction.Reject,
                _ => PolicyRuleAction.SetMark,
            },
            Peer = target,
            Masquerade = rule.Masquerade,
            SetMark = rule.SetMark is { } set ? new Mark(set.Value, set.Mask) : null,
            Priority = priority,
        };
        return true;
    }

    private static PrefixSelector ToPolicyPrefix(PrefixSelector prefix) =>
        new(new IPNetwork(RouterConfigurationValidator.Normalize(prefix.Network.BaseAddress), prefix.Network.PrefixLength), prefix.Negated);

    // One PortForward per interface address of the target's family and per port of the range (same port on the target
    // for a range, ToPort for a single port).
    private static List<PortForward> ExpandForwards(RouterConfiguration configuration)
    {
        List<PortForward> forwards = [];
        foreach (RouterForward forward in configuration.Forwards)
        {
            IpAddressKey target = IpAddressKey.FromIPAddress(RouterConfigurationValidator.Normalize(forward.To));
            foreach (IPAddress address in configuration.InterfaceAddresses)
            {
                IpAddressKey local = IpAddressKey.FromIPAddress(RouterConfigurationValidator.Normalize(address));
                if (local.Family != target.Family)
                {
                    continue;
                }

                for (int port = forward.Port.First; port <= forward.Port.Last; port++)
                {
                    forwards.Add(new PortForward(forward.Protocol, local, (ushort)port, target, forward.ToPort ?? (ushort)port));
                }
            }
        }

        return forwards;
    }

    private List<KeyValuePair<string, ulong>> CollectCounters()
    {
        List<KeyValuePair<string, ulong>> counters = [];
        ConntrackCounters? conntrack = _nat?.Tracker.Counters;
        Add("conntrack_inserted", conntrack?.Created ?? 0);
        Add("conntrack_expired", conntrack?.Expired ?? 0);
        Add("conntrack_evicted", conntrack?.Evicted ?? 0);
        Add("conntrack_refused_full", conntrack?.Refused ?? 0);
        Add("conntrack_ports_exhausted", conntrack?.PortsExhausted ?? 0);
        Add("conntrack_reply_in_use", conntrack?.ReplyInUse ?? 0);
        Add("conntrack_refused_share", conntrack?.RefusedOverShare ?? 0);
        foreach (NatDrop reason in Enum.GetValues<NatDrop>())
        {
            Add("nat_drop_" + SnakeCase(reason.ToString()), _nat?.Counters[reason] ?? 0);
        }

        foreach (DeviceDrop reason in Enum.GetValues<DeviceDrop>())
        {
            Add("drop_" + SnakeCase(reason.ToString()), _counters[reason]);
        }

        return counters;

        void Add(string name, long value) => counters.Add(new KeyValuePair<string, ulong>(name, (ulong)Math.Max(0, value)));
    }

    /// <summary>"PolicyDrop" → "policy_drop".</summary>
    internal static string SnakeCase(string name)
    {
        StringBuilder text = new(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    private static RouterFlow ToRouterFlow(FlowSnapshot flow, Dictionary<int, PublicKey> tags)
    {
        string state = flow.Original.Protocol switch
        {
            IpProtocol.Tcp => SnakeCase(flow.TcpState.ToString()),
            IpProtocol.Udp => "udp",
            IpProtocol.Icmp or IpProtocol.IcmpV6 => "icmp",
            _ => "other",
        };
        return new RouterFlow(
            flow.Original.Protocol,
            new IPEndPoint(flow.Original.Source.ToIPAddress(), flow.Original.SourcePort),
            new IPEndPoint(flow.Original.Destination.ToIPAddress(), flow.Original.DestinationPort),
            new IPEndPoint(flow.Reply.Source.ToIPAddress(), flow.Reply.SourcePort),
            new IPEndPoint(flow.Reply.Destination.ToIPAddress(), flow.Reply.DestinationPort),
            state,
            tags.TryGetValue(flow.Peer, out PublicKey key) ? key : null,
            flow.Assured,
            flow.ExpiresIn);
    }

    /// <summary>A rule in the config file's words, peers by name where they have one (`wgsharp show`).</summary>
    internal static string Describe(RouterRule rule, IReadOnlyDictionary<PublicKey, string> names)
    {
        List<string> parts = [];
        if (rule.From.Count > 0)
        {
            parts.Add("From = " + string.Join(", ", rule.From.Select(Prefix)));
        }

        if (rule.To.Count > 0)
        {
            parts.Add("To = " + string.Join(", ", rule.To.Select(Prefix)));
        }

        if (rule.Protocol is { } protocol)
        {
            parts.Add("Protocol = " + protocol switch
            {
                IpProtocol.Tcp => "tcp",
                IpProtocol.Udp => "udp",
                IpProtocol.Icmp => "icmp",
                IpProtocol.IcmpV6 => "icmpv6",
                _ => protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        }

        if (rule.Port is { } port)
        {
            parts.Add("Port = " + Range(port));
        }

        if (rule.SourcePort is { } sourcePort)
        {
            parts.Add("SourcePort = " + Range(sourcePort));
        }

        if (rule.Input is { } input)
        {
            parts.Add("Input = " + Name(input));
        }

        if (rule.Mark is { } mark)
        {
            parts.Add("Mark = " + Mark(mark));
        }

        if (rule.State != RouterRuleStates.None)
        {
            parts.Add("State = " + RouterRuleStatesText.Format(rule.State));
        }

        if (rule.Peer is { } peer)
        {
            parts.Add("Peer = " + Name(peer));
        }

        parts.Add("Action = " + RouterConfigurationValidator.Word(rule.Action));
        if (rule.Masquerade)
        {
            parts.Add("Masquerade = yes");
        }

        if (rule.SetMark is { } setMark)
        {
            parts.Add("SetMark = " + Mark(setMark));
        }

        if (rule.Priority is { } priority)
        {
            parts.Add("Priority = " + priority.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return string.Join("; ", parts);

        string Name(PublicKey key) => names.TryGetValue(key, out string? name) ? name : key.ToBase64();
        static string Prefix(PrefixSelector prefix) => (prefix.Negated ? "!" : "") + prefix.Network.ToString();
        static string Range(PortRange range) => range.First == range.Last ? $"{range.First}" : $"{range.First}-{range.Last}";
        static string Mark(Mark mark) => mark.Mask == uint.MaxValue ? $"0x{mark.Value:x}" : $"0x{mark.Value:x}/0x{mark.Mask:x}";
    }

    private void RaiseLivenessChanged(Peer peer, bool live)
    {
        try
        {
            PeerLivenessChanged?.Invoke(peer.PublicKey, live);
        }
        catch (Exception e)
        {
            // A subscriber's failure must not stop the timer thread.
            DeviceLog.TunError(_logger, $"PeerLivenessChanged handler failed: {e.Message}");
        }
    }
}
