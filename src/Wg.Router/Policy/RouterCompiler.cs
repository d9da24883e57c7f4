// The policy router's compiler: a validated RouterConfiguration bound to the device's peer objects,
// MTU and addresses, as the rules PolicyStage evaluates, the NAT engine's port forwards and options,
// and the RouterState the data path reads. Pure apart from the peers' per-peer options it sets and the
// NAT engine it creates when first needed (its table is allocated up front).
using System.Diagnostics.CodeAnalysis;
using System.Net;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Device;
using WgSharp.Router.Nat;
using WgSharp.Router.Routing;
using WgSharp.Tun.Net;

namespace WgSharp.Router.Policy;

internal static class RouterCompiler
{
    /// <summary>What <see cref="Compile"/> produces: the rules, the index in the configuration's Rules of each (rules
    /// naming a peer the device does not have are left out), and the state for the data path.</summary>
    public sealed record Result(List<PolicyRule<Peer>> Rules, int[] RuleSources, RouterState State);

    /// <summary>
    /// Compiles <paramref name="configuration"/> (validated) against the current peers and MTU. Sets each peer's
    /// router options; <paramref name="isLive"/> tells whether a peer becoming `Routes = when-up` is live now.
    /// Creates <paramref name="nat"/> when the configuration needs conntrack and there is none yet. Caller holds the
    /// device's configuration lock. Cannot fail on a validated configuration.
    /// </summary>
    public static Result Compile(RouterConfiguration configuration, PeerTable peers, int mtu, Func<Peer, bool> isLive, ref NatEngine? nat)
    {
        Dictionary<PublicKey, RouterPeerOptions> options = configuration.Peers.ToDictionary(p => p.PublicKey);
        bool anyWhenUp = false;
        foreach (Peer peer in peers.All)
        {
            options.TryGetValue(peer.PublicKey, out RouterPeerOptions? option);
            peer.Name = option?.Name;
            peer.InboundEstablishedOnly = option?.InboundEstablishedOnly ?? false;
            bool whenUp = option?.RoutesWhenUp ?? false;
            if (whenUp && !peer.RoutesWhenUp)
            {
                // Becoming conditional: a destination only if live now. Subscribers start from "not live", so a
                // peer live already is reported up by the next timer tick (ReportedLive differs from it).
                peer.IsDestination = isLive(peer);
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
            if (TryCompileRule(rule, (uint)priority, peers, out PolicyRule<Peer>? compiled))
            {
                rules.Add(compiled);
                sources.Add(i);
            }
        }

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
            nat ??= new NatEngine(new ConnectionTracker());
        }

        nat?.SetPortForwards(ExpandForwards(configuration));
        if (nat is not null)
        {
            nat.Tracker.PerOwnerLimit = (configuration.ConntrackPerPeer ?? RouterConfiguration.DefaultConntrackPerPeer).Resolve(nat.Tracker.Capacity);
        }

        MssClamp clamp = configuration.MssClamp switch
        {
            0 => MssClamp.Off,
            RouterConfiguration.MssClampAuto => MssClamp.ForMtu(Math.Clamp(mtu, MssClamp.MinMtu, ushort.MaxValue)),
            int mss => MssClamp.Fixed((ushort)mss),
        };

        var state = new RouterState(rules.Count > 0, natActive, anyWhenUp, clamp, masqueradeV4, masqueradeV6, peers.ByTag(),
            relayInUserspace: configuration.Relay == RouterRelay.Userspace);
        return new Result(rules, [.. sources], state);
    }

    // False when the rule names a peer the device does not have: it never matches then.
    private static bool TryCompileRule(RouterRule rule, uint priority, PeerTable peers, [NotNullWhen(true)] out PolicyRule<Peer>? compiled)
    {
        compiled = null;
        PolicyInput<Peer> input = PolicyInput<Peer>.Local;
        if (rule.Input is { } inputKey)
        {
            if (!peers.TryGet(inputKey, out Peer? inputPeer))
            {
                return false;
            }

            input = PolicyInput<Peer>.FromPeer(inputPeer);
        }

        Peer? target = null;
        if (rule.Peer is { } targetKey && !peers.TryGet(targetKey, out target))
        {
            return false;
        }

        compiled = new PolicyRule<Peer>
        {
            Source = [.. rule.From.Select(ToPolicyPrefix)],
            Destination = [.. rule.To.Select(ToPolicyPrefix)],
            Protocol = rule.Protocol,
            DestinationPorts = rule.Port,
            SourcePorts = rule.SourcePort,
            Input = input,
            Mark = rule.Mark,
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
            SetMark = rule.SetMark,
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
}
