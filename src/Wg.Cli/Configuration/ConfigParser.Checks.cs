// The checks that need the whole file: required keys, duplicate peers and names, rules that name
// peers, masquerading without an address to masquerade to, forwards that cannot arrive or overlap.
using System.Net.Sockets;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Configuration;

internal sealed partial class ConfigParser
{
    /// <summary>The smallest link MTU IPv6 allows (RFC 8200 section 5).</summary>
    private const int IPv6MinimumMtu = 1280;

    private void CheckWholeFile()
    {
        CheckInterface();
        CheckPeers();
        foreach (RuleConfig rule in _config.Rules)
        {
            CheckRule(rule);
        }

        CheckForwards();
    }

    private void CheckInterface()
    {
        if (_config.Line == 0)
        {
            Error(0, "there is no [Interface] section (it needs at least a PrivateKey)");
        }
        else if (_config.PrivateKey is null && !_badKey.Contains(_config))
        {
            Error(_config.Line, "[Interface] has no PrivateKey");
        }

        if (_config.Mtu is < IPv6MinimumMtu && _config.Addresses.Exists(a => a.Family == AddressFamily.InterNetworkV6))
        {
            Error(KeyLine(_config, "MTU", _config.Line),
                $"MTU: {_config.Mtu} is below {IPv6MinimumMtu}, the smallest MTU IPv6 allows, and Address has IPv6 addresses");
        }
    }

    private void CheckPeers()
    {
        PublicKey? own = _config.PrivateKey?.ComputePublicKey();
        var byKey = new Dictionary<PublicKey, PeerConfig>();
        var byName = new Dictionary<string, PeerConfig>(StringComparer.Ordinal);
        foreach (PeerConfig peer in _config.Peers)
        {
            if (peer.PublicKeyLine == 0)
            {
                if (!_badKey.Contains(peer))
                {
                    Error(peer.Line, "[Peer] has no PublicKey");
                }
            }
            else if (own == peer.PublicKey)
            {
                // wg and wireguard-go skip such a peer silently; in a file it is always a mistake.
                Error(peer.PublicKeyLine, "PublicKey: this is the interface's own public key (from its PrivateKey)");
            }
            else if (!byKey.TryAdd(peer.PublicKey, peer))
            {
                Error(peer.PublicKeyLine, $"PublicKey: the same peer as the [Peer] on line {byKey[peer.PublicKey].Line}");
            }

            if (peer.Name is { } name && !byName.TryAdd(name, peer))
            {
                Error(KeyLine(peer, "Name", peer.Line), $"Name: {ConfigValues.Quote(name)} is already the name of the [Peer] on line {byName[name].Line}");
            }
        }
    }

    private void CheckRule(RuleConfig rule)
    {
        CheckPeerReference(rule, "Input", rule.Input);
        CheckPeerReference(rule, "Peer", rule.Peer);

        if (rule.SetMark is not null && (HasKey(rule, "Peer") || HasKey(rule, "Action") || HasKey(rule, "Masquerade")))
        {
            Error(KeyLine(rule, "SetMark", rule.Line),
                "SetMark: a rule that sets a mark goes on evaluating, so it cannot also have Peer, Action or Masquerade (put those in a later rule that matches the Mark)");
        }
        else if (rule.Action != RouterRuleAction.Route && (rule.Peer is not null || rule.Masquerade))
        {
            Error(KeyLine(rule, "Action", rule.Line),
                $"Action: {rule.Action.ToString().ToLowerInvariant()} cannot be combined with {(rule.Peer is not null ? "Peer" : "Masquerade")} (only routed packets go to a peer or get masqueraded)");
        }

        if ((rule.State & ~RouterRuleStates.New) != 0 && rule.SetMark is null && rule.Action == RouterRuleAction.Route)
        {
            Error(KeyLine(rule, "State", rule.Line),
                $"State: {RouterRuleStatesText.Format(rule.State)} needs Action = accept, drop or reject (or SetMark): a tracked flow keeps the route it got when it started");
        }

        foreach (string key in (string[])["Port", "SourcePort"])
        {
            if (HasKey(rule, key) && !(rule.Protocol is { } protocol && PolicyGrammar.HasPorts(protocol)))
            {
                Error(KeyLine(rule, key, rule.Line), $"{key}: needs Protocol = tcp or udp (or another protocol with ports: sctp, udplite, dccp)");
            }
        }

        AddressFamily[] fromFamilies = Families(rule.From);
        AddressFamily[] toFamilies = Families(rule.To);
        if (fromFamilies.Length > 0 && toFamilies.Length > 0 && !fromFamilies.Intersect(toFamilies).Any())
        {
            Error(KeyLine(rule, "To", rule.Line), "To: no address family in common with From, so this rule can never match");
        }

        if (rule.Masquerade)
        {
            CheckMasquerade(rule, (fromFamilies.Length, toFamilies.Length) switch
            {
                (0, _) => toFamilies,
                (_, 0) => fromFamilies,
                _ => [.. fromFamilies.Intersect(toFamilies)],
            });
        }
    }

    // The families a list of prefixes can match (those of its positive prefixes); empty: any family.
    private static AddressFamily[] Families(IReadOnlyList<PrefixSelector> selectors) =>
        [.. selectors.Where(s => !s.Negated).Select(s => s.Network.BaseAddress.AddressFamily).Distinct()];

    private void CheckMasquerade(RuleConfig rule, AddressFamily[] families)
    {
        int line = KeyLine(rule, "Masquerade", rule.Line);
        if (families.Length == 0)
        {
            families = rule.Protocol switch
            {
                IpProtocols.Icmp => [AddressFamily.InterNetwork],
                IpProtocols.IcmpV6 => [AddressFamily.InterNetworkV6],
                _ => [],
            };
        }

        if (families.Length == 0)
        {
            if (_config.Addresses.Count == 0)
            {
                Error(line, "Masquerade: the interface has no Address to masquerade to");
            }

            return;
        }

        foreach (AddressFamily family in families)
        {
            if (!_config.Addresses.Exists(a => a.Family == family))
            {
                Error(line, $"Masquerade: the interface has no {FamilyName(family)} Address to masquerade {FamilyName(family)} packets to");
            }
        }
    }

    private void CheckPeerReference(RuleConfig rule, string key, string? name)
    {
        if (name is null || _config.FindPeer(name) is not null)
        {
            return;
        }

        string[] names = [.. _config.Peers.Select(p => p.Name).OfType<string>()];
        string hint = names.Length == 0
            ? " (give the peer a Name = ... in its [Peer] section)"
            : KeySuggestion.Closest(name, names) is { } guess ? $"; did you mean {guess}?" : "";
        Error(KeyLine(rule, key, rule.Line), $"{key}: no [Peer] is named {ConfigValues.Quote(name)}{hint}");
    }

    private void CheckForwards()
    {
        for (int i = 0; i < _config.Forwards.Count; i++)
        {
            ForwardConfig forward = _config.Forwards[i];
            bool complete = true;
            foreach (string key in (string[])["Protocol", "Port", "To"])
            {
                if (!HasKey(forward, key))
                {
                    Error(forward.Line, $"[Forward] has no {key}");
                    complete = false;
                }
            }

            if (!complete || forward.Protocol == 0 || forward.ToAddress is null || forward.Port.First == 0)
            {
                continue; // incomplete or already reported
            }

            int toLine = KeyLine(forward, "To", forward.Line);
            AddressFamily family = forward.ToAddress.AddressFamily;
            if (forward.ToPort is not null && !forward.Port.IsSinglePort)
            {
                Error(toLine, "To: a range of ports is forwarded to the same ports, so To takes no port");
            }

            if (!_config.Addresses.Exists(a => a.Family == family))
            {
                Error(toLine, $"To: the interface has no {FamilyName(family)} Address for the forwarded {FamilyName(family)} packets to arrive at");
            }

            for (int j = 0; j < i; j++)
            {
                ForwardConfig earlier = _config.Forwards[j];
                if (earlier.Protocol == forward.Protocol && earlier.ToAddress?.AddressFamily == family && earlier.Port.Overlaps(forward.Port))
                {
                    Error(KeyLine(forward, "Port", forward.Line), $"Port: overlaps the [Forward] on line {earlier.Line}");
                    break;
                }
            }
        }
    }

    private static string FamilyName(AddressFamily family) => family == AddressFamily.InterNetwork ? "IPv4" : "IPv6";
}
