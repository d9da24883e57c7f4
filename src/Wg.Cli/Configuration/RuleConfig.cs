// One WgSharp [Rule] section, parsed and checked, not interpreted: the policy router decides what it does with packets.
// The rule itself is the router's own model (RouterRule, read through PolicyGrammar's values); only the peers it names
// are still names here, resolved to keys by RouterConfigurationMapper once the whole file is read.
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Configuration;

internal sealed class RuleConfig
{
    public RuleConfig(int line) => Rule = new RouterRule { Line = line };

    /// <summary>Everything the section says but the peer names: its <see cref="RouterRule.Input"/> and
    /// <see cref="RouterRule.Peer"/> stay null (see <see cref="Input"/> and <see cref="Peer"/>), and its action is
    /// the Action key's (a SetMark key makes it a set-mark rule when mapped).</summary>
    public RouterRule Rule { get; set; }

    /// <summary>The line of the [Rule] header.</summary>
    public int Line => Rule.Line;

    /// <summary>null: packets from the local side (TUN, "Input = tun"); otherwise the Name of the peer
    /// whose decrypted packets the rule applies to.</summary>
    public string? Input { get; set; }

    /// <summary>The Name of the peer to send matching packets to, whatever AllowedIPs say; null: none.</summary>
    public string? Peer { get; set; }

    // The rule's other members, read through for the checks, the writer and the kernel steering planner.

    public IReadOnlyList<PrefixSelector> From => Rule.From;

    public IReadOnlyList<PrefixSelector> To => Rule.To;

    public byte? Protocol => Rule.Protocol;

    public PortRange? Port => Rule.Port;

    public PortRange? SourcePort => Rule.SourcePort;

    public Mark? Mark => Rule.Mark;

    public RouterRuleStates State => Rule.State;

    public RouterRuleAction Action => Rule.Action;

    public bool Masquerade => Rule.Masquerade;

    public Mark? SetMark => Rule.SetMark;

    public uint? Priority => Rule.Priority;
}
