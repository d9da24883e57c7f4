// An inclusive range of TCP/UDP ports (a single port is First == Last): what a policy rule's Port and SourcePort
// match, what a port forward listens on, and what a kernel policy rule selects (struct fib_rule_port_range).
using System.Globalization;

namespace WgSharp.Tun.Net;

/// <summary>
/// The two ends as given: a reversed range is representable so that whoever receives one can refuse it with its own
/// words (the router's validation, the netlink encoder); the parsers here never produce one.
/// </summary>
public readonly record struct PortRange(ushort First, ushort Last)
{

    /// <summary>
    /// The highest port a kernel policy rule can select: the kernel refuses a range ending at 65535 (fib_rules.c
    /// fib_rule_port_range_valid: "end != 0xffff"), EINVAL "Invalid sport range".
    /// </summary>
    public const ushort MaxRulePort = 65534;

    public bool IsSinglePort => First == Last;

    public static PortRange Single(ushort port) => new(port, port);

    public bool Contains(ushort port) => port >= First && port <= Last;

    public bool Overlaps(PortRange other) => First <= other.Last && other.First <= Last;

    /// <summary>"80" or "80-90", as ip prints and accepts it and the config file writes it.</summary>
    public override string ToString() => IsSinglePort
        ? First.ToString(CultureInfo.InvariantCulture)
        : $"{First.ToString(CultureInfo.InvariantCulture)}-{Last.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>"first-last", both ends always written: the UAPI extension's form.</summary>
    public string ToRangeString() =>
        $"{First.ToString(CultureInfo.InvariantCulture)}-{Last.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// "80" or "80-90" as <see cref="ToString"/> writes it (decimal digits only, no spaces); <paramref name="reversed"/>
    /// is set when both ends are ports but the first is larger. Port 0 passes: callers that forbid it check.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out PortRange range, out bool reversed)
    {
        range = default;
        reversed = false;
        int dash = text.IndexOf('-');
        ReadOnlySpan<char> firstText = dash < 0 ? text : text[..dash];
        ReadOnlySpan<char> lastText = dash < 0 ? text : text[(dash + 1)..];
        if (!TryParsePort(firstText, out ushort first) || !TryParsePort(lastText, out ushort last))
        {
            return false;
        }
        if (first > last)
        {
            reversed = true;
            return false;
        }
        range = new PortRange(first, last);
        return true;
    }

    public static bool TryParse(ReadOnlySpan<char> text, out PortRange range) => TryParse(text, out range, out _);

    private static bool TryParsePort(ReadOnlySpan<char> text, out ushort port) =>
        ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port);
}
