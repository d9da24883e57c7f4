// fib_rule_hdr.action: what a matching policy rule does (FR_ACT_* in linux/fib_rules.h).
namespace WgSharp.Tun.Netlink;

public enum RuleAction : byte
{
    Unspecified = 0,

    /// <summary>"lookup TABLE": consult a routing table.</summary>
    ToTable = 1,

    /// <summary>"goto PRIORITY": jump to a later rule.</summary>
    Goto = 2,
    Nop = 3,
    Blackhole = 6,
    Unreachable = 7,
    Prohibit = 8,
}
