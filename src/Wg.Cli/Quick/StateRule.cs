// A policy rule `up` added, as the state file stores it; its priority is the one the kernel gave it, so
// `down` deletes exactly this rule even when another interface added an identical one.
using System.Net.Sockets;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Quick;

internal sealed class StateRule
{
    public AddressFamily Family { get; set; }

    /// <summary>null until the kernel's choice is known (a rule added without a priority).</summary>
    public uint? Priority { get; set; }

    public bool Invert { get; set; }

    /// <summary>"10.0.0.2/32", or null for any destination.</summary>
    public string? To { get; set; }

    public uint? FwMark { get; set; }

    public string? InputInterface { get; set; }

    public uint Table { get; set; }

    public int? SuppressPrefixLength { get; set; }

    public RuleAction Action { get; set; } = RuleAction.ToTable;

    public RouteProtocol? Protocol { get; set; }

    public static StateRule From(RuleEntry rule) => new()
    {
        Family = rule.Family,
        Priority = rule.Priority,
        Invert = rule.Invert,
        To = rule.To?.ToString(),
        FwMark = rule.FwMark,
        InputInterface = rule.InputInterface,
        Table = rule.Table,
        SuppressPrefixLength = rule.SuppressPrefixLength,
        Action = rule.Action,
        Protocol = rule.Protocol,
    };

    public RuleEntry ToRuleEntry() => new()
    {
        Family = Family,
        Priority = Priority,
        Invert = Invert,
        To = To is null ? null : RoutePrefix.Parse(To),
        FwMark = FwMark,
        InputInterface = InputInterface,
        Table = Table,
        SuppressPrefixLength = SuppressPrefixLength,
        Action = Action,
        Protocol = Protocol,
    };
}
