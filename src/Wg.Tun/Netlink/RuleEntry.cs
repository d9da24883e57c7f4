// A policy routing rule (RTM_NEWRULE, fib_rule_hdr + FRA_* attributes): selector, priority and action.
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using WgSharp.Tun.Net;

namespace WgSharp.Tun.Netlink;

/// <summary>
/// One FIB rule of the IPv4 or IPv6 rule list. Null or zero members are not part of the selector. For deletion the
/// kernel matches on the members that are set (fib_rules.c rule_find), as <c>ip rule del</c> does.
/// </summary>
public sealed record RuleEntry
{
    /// <summary>InterNetwork or InterNetworkV6: which rule list (ip -4 rule / ip -6 rule).</summary>
    public required AddressFamily Family { get; init; }

    /// <summary>FRA_PRIORITY ("pref"); null lets the kernel pick one below the lowest existing non-zero priority.</summary>
    public uint? Priority { get; init; }

    /// <summary>FIB_RULE_INVERT ("not"): the rule applies to packets the selector does not match.</summary>
    public bool Invert { get; init; }

    /// <summary>FRA_SRC ("from").</summary>
    public RoutePrefix? From { get; init; }

    /// <summary>FRA_DST ("to").</summary>
    public RoutePrefix? To { get; init; }

    /// <summary>fib_rule_hdr.tos ("tos"), 0 for any.</summary>
    public byte Tos { get; init; }

    /// <summary>FRA_FWMARK ("fwmark").</summary>
    public uint? FwMark { get; init; }

    /// <summary>FRA_FWMASK; the kernel uses all ones when a mark is given without a mask.</summary>
    public uint? FwMask { get; init; }

    /// <summary>FRA_IIFNAME ("iif").</summary>
    public string? InputInterface { get; init; }

    /// <summary>FRA_OIFNAME ("oif").</summary>
    public string? OutputInterface { get; init; }

    /// <summary>FRA_IP_PROTO ("ipproto"), Linux 4.17+.</summary>
    public byte? IpProtocol { get; init; }

    /// <summary>FRA_SPORT_RANGE ("sport"), Linux 4.17+.</summary>
    public PortRange? SourcePorts { get; init; }

    /// <summary>FRA_DPORT_RANGE ("dport"), Linux 4.17+.</summary>
    public PortRange? DestinationPorts { get; init; }

    /// <summary>FRA_TABLE ("lookup"/"table"), 0 for none.</summary>
    public uint Table { get; init; }

    /// <summary>FRA_SUPPRESS_PREFIXLEN: ignore the looked-up route when its prefix is this long or shorter.</summary>
    public int? SuppressPrefixLength { get; init; }

    public RuleAction Action { get; init; } = RuleAction.ToTable;

    /// <summary>FRA_GOTO: the priority to jump to for <see cref="RuleAction.Goto"/>.</summary>
    public uint? GotoTarget { get; init; }

    /// <summary>FRA_PROTOCOL ("proto"): who installed the rule.</summary>
    public RouteProtocol? Protocol { get; init; }

    /// <summary>
    /// One line of <c>ip rule show</c> with a blank instead of ip's tab after the priority:
    /// "32765: not from all fwmark 0xca6c lookup 51820".
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        if (Priority is { } priority)
        {
            text.Append(priority).Append(": ");
        }
        if (Invert)
        {
            text.Append("not ");
        }
        text.Append("from ").Append(From is { } from ? Show(from) : "all");
        if (To is { } to)
        {
            text.Append(" to ").Append(Show(to));
        }
        if (Tos != 0)
        {
            text.Append(" tos 0x").Append(Tos.ToString("x2", CultureInfo.InvariantCulture));
        }
        if (FwMark is not null || FwMask is not null)
        {
            uint mark = FwMark ?? 0;
            uint mask = FwMask ?? uint.MaxValue;
            text.Append(" fwmark 0x").Append(mark.ToString("x", CultureInfo.InvariantCulture));
            if (mask != uint.MaxValue)
            {
                text.Append("/0x").Append(mask.ToString("x", CultureInfo.InvariantCulture));
            }
        }
        AppendSelectorTail(text);
        if (Table != 0)
        {
            text.Append(" lookup ").Append(IprouteNames.Table(Table));
            if (SuppressPrefixLength is { } length)
            {
                text.Append(" suppress_prefixlength ").Append(length);
            }
        }
        AppendAction(text);
        if (Protocol is { } protocol && protocol != RouteProtocol.Unspecified && protocol != RouteProtocol.Kernel)
        {
            text.Append(" proto ").Append(IprouteNames.Protocol(protocol));
        }
        return text.ToString();
    }

    /// <summary>
    /// What follows <c>ip rule add</c> (or <c>del</c>) for this rule: "not fwmark 51820 table 51820",
    /// "table main suppress_prefixlength 0" — the forms wg-quick prints.
    /// </summary>
    public string ToCommandArguments()
    {
        var parts = new List<string>();
        if (Priority is { } priority)
        {
            parts.Add($"pref {priority}");
        }
        if (Invert)
        {
            parts.Add("not");
        }
        if (From is { } from)
        {
            parts.Add($"from {from}");
        }
        if (To is { } to)
        {
            parts.Add($"to {to}");
        }
        if (Tos != 0)
        {
            parts.Add($"tos 0x{Tos:x2}");
        }
        if (FwMark is not null || FwMask is not null)
        {
            uint mark = FwMark ?? 0;
            parts.Add(FwMask is { } mask && mask != uint.MaxValue ? $"fwmark 0x{mark:x}/0x{mask:x}" : $"fwmark {mark}");
        }
        var text = new StringBuilder(string.Join(' ', parts));
        AppendSelectorTail(text);
        if (Table != 0)
        {
            text.Append(" table ").Append(IprouteNames.Table(Table));
            if (SuppressPrefixLength is { } length)
            {
                text.Append(" suppress_prefixlength ").Append(length);
            }
        }
        AppendAction(text);
        if (Protocol is { } protocol)
        {
            text.Append(" proto ").Append(IprouteNames.Protocol(protocol));
        }
        return text.ToString().TrimStart();
    }

    private void AppendSelectorTail(StringBuilder text)
    {
        if (InputInterface is not null)
        {
            text.Append(" iif ").Append(InputInterface);
        }
        if (OutputInterface is not null)
        {
            text.Append(" oif ").Append(OutputInterface);
        }
        if (IpProtocol is { } ipProtocol)
        {
            text.Append(" ipproto ").Append(IprouteNames.IpProtocol(ipProtocol));
        }
        if (SourcePorts is { } sourcePorts)
        {
            text.Append(" sport ").Append(sourcePorts);
        }
        if (DestinationPorts is { } destinationPorts)
        {
            text.Append(" dport ").Append(destinationPorts);
        }
    }

    private void AppendAction(StringBuilder text)
    {
        switch (Action)
        {
            case RuleAction.ToTable:
            case RuleAction.Unspecified:
                break;
            case RuleAction.Goto:
                text.Append(" goto ").Append(GotoTarget ?? 0);
                break;
            case RuleAction.Nop:
                text.Append(" nop");
                break;
            default:
                text.Append(' ').Append(IprouteNames.Type((RouteType)(byte)Action));
                break;
        }
    }

    private static string Show(RoutePrefix prefix) => prefix.IsHost ? prefix.Address.ToString() : prefix.ToString();
}
