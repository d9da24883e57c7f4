// The result of RtNetlink.ProbeRules: can rules be used, and do they understand ipproto/sport/dport selectors.
namespace WgSharp.Tun.Netlink;

/// <param name="Availability">Whether rules can be added and removed for the family.</param>
/// <param name="Errno">The errno behind a negative answer, 0 when available.</param>
/// <param name="PortAndProtocolSelectors">FRA_IP_PROTO, FRA_SPORT_RANGE and FRA_DPORT_RANGE are understood (Linux 4.17+).</param>
public readonly record struct RuleSupport(RuleAvailability Availability, Errno Errno, bool PortAndProtocolSelectors)
{
    public bool IsAvailable => Availability == RuleAvailability.Available;
}
