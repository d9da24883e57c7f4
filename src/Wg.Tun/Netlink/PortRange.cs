// An inclusive range of TCP/UDP ports, as policy rules match them (struct fib_rule_port_range).
namespace WgSharp.Tun.Netlink;

internal readonly record struct PortRange
{
    public PortRange(ushort start, ushort end)
    {
        if (start == 0 || end < start)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(start), "A port range is 1..65535 with start <= end.");
        }
        Start = start;
        End = end;
    }

    /// <summary>
    /// The highest port a policy rule can select: the kernel refuses a range ending at 65535 (fib_rules.c
    /// fib_rule_port_range_valid: "end != 0xffff"), EINVAL "Invalid sport range".
    /// </summary>
    public const ushort MaxRulePort = 65534;

    public ushort Start { get; }

    public ushort End { get; }

    public static PortRange Single(ushort port) => new(port, port);

    /// <summary>"80" or "80-90", as ip prints and accepts it.</summary>
    public override string ToString() => Start == End ? $"{Start}" : $"{Start}-{End}";
}
