// One WgSharp [Rule] section (issue 5), parsed and checked, not interpreted: the policy router decides
// what it does with packets. Unset selectors match everything.
namespace WgSharp.Cli.Configuration;

internal sealed class RuleConfig
{
    public RuleConfig(int line) => Line = line;

    /// <summary>The line of the [Rule] header.</summary>
    public int Line { get; }

    /// <summary>Source prefixes; every From line adds to them (see <see cref="PrefixSelector"/> for "!").</summary>
    public List<PrefixSelector> From { get; } = [];

    /// <summary>Destination prefixes, like <see cref="From"/>.</summary>
    public List<PrefixSelector> To { get; } = [];

    /// <summary>IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6, ...); null: any.</summary>
    public byte? Protocol { get; set; }

    /// <summary>Destination port(s); only with a protocol that has ports.</summary>
    public PortRange? Port { get; set; }

    public PortRange? SourcePort { get; set; }

    /// <summary>null: packets from the local side (TUN, "Input = tun"); otherwise the Name of the peer
    /// whose decrypted packets the rule applies to.</summary>
    public string? Input { get; set; }

    public MarkValue? Mark { get; set; }

    /// <summary>The conntrack states the rule applies to; None (not given): new flows only.</summary>
    public WgSharp.Router.Configuration.RouterRuleStates State { get; set; }

    /// <summary>The Name of the peer to send matching packets to, whatever AllowedIPs say; null: none.</summary>
    public string? Peer { get; set; }

    public RuleAction Action { get; set; }

    /// <summary>Source-NAT to the interface address of the packet's family.</summary>
    public bool Masquerade { get; set; }

    /// <summary>Set the mark and go on evaluating; such a rule has no Peer, Action or Masquerade.</summary>
    public MarkValue? SetMark { get; set; }

    /// <summary>null: not given (file order decides).</summary>
    public uint? Priority { get; set; }
}
