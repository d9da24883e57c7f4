// A policy rule `up` added, as the state file stores it; its priority is the one the kernel gave it, so
// `down` deletes exactly this rule even when another interface added an identical one.
using System.Net.Sockets;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal sealed class StateRule
{
    public AddressFamily Family { get; set; }

    /// <summary>null until the kernel's choice is known (a rule added without a priority).</summary>
    public uint? Priority { get; set; }

    public bool Invert { get; set; }

    /// <summary>"192.168.2.0/24", or null for any source.</summary>
    public string? Source { get; set; }

    /// <summary>"10.0.0.2/32", or null for any destination.</summary>
    public string? To { get; set; }

    public uint? FwMark { get; set; }

    public uint? FwMask { get; set; }

    /// <summary>ipproto: an IP protocol number.</summary>
    public byte? IpProtocol { get; set; }

    /// <summary>sport: "25" or "8000-8100".</summary>
    public string? SourcePorts { get; set; }

    /// <summary>dport: "25" or "8000-8100".</summary>
    public string? DestinationPorts { get; set; }

    /// <summary>The priority a goto rule jumps to.</summary>
    public uint? GotoTarget { get; set; }

    public string? InputInterface { get; set; }

    public uint Table { get; set; }

    public int? SuppressPrefixLength { get; set; }

    public RuleAction Action { get; set; } = RuleAction.ToTable;

    public RouteProtocol? Protocol { get; set; }

    /// <summary>Part of the [Rule] steering block, which `syncconf` re-plans (the other rules stay as `up` made them).</summary>
    public bool Steering { get; set; }

    public static StateRule From(RuleEntry rule, bool steering = false) => new()
    {
        Family = rule.Family,
        Priority = rule.Priority,
        Invert = rule.Invert,
        Source = rule.From?.ToString(),
        To = rule.To?.ToString(),
        FwMark = rule.FwMark,
        FwMask = rule.FwMask,
        IpProtocol = rule.IpProtocol,
        SourcePorts = rule.SourcePorts?.ToString(),
        DestinationPorts = rule.DestinationPorts?.ToString(),
        GotoTarget = rule.GotoTarget,
        InputInterface = rule.InputInterface,
        Table = rule.Table,
        SuppressPrefixLength = rule.SuppressPrefixLength,
        Action = rule.Action,
        Protocol = rule.Protocol,
        Steering = steering,
    };

    public RuleEntry ToRuleEntry() => new()
    {
        Family = Family,
        Priority = Priority,
        Invert = Invert,
        From = Source is null ? null : RoutePrefix.Parse(Source),
        To = To is null ? null : RoutePrefix.Parse(To),
        FwMark = FwMark,
        FwMask = FwMask,
        IpProtocol = IpProtocol,
        SourcePorts = ParsePorts(SourcePorts),
        DestinationPorts = ParsePorts(DestinationPorts),
        GotoTarget = GotoTarget,
        InputInterface = InputInterface,
        Table = Table,
        SuppressPrefixLength = SuppressPrefixLength,
        Action = Action,
        Protocol = Protocol,
    };

    // "25" or "8000-8100", as PortRange.ToString wrote it; null for text no PortRange writes (a damaged file:
    // the rule is then deleted by its other members, its priority first).
    private static PortRange? ParsePorts(string? text) =>
        text is not null && PortRange.TryParse(text, out PortRange range) && range.First != 0 ? range : null;
}
