// Whether policy routing rules can be managed on this kernel, as ProbeRules found out.
namespace WgSharp.Tun.Netlink;

public enum RuleAvailability
{
    /// <summary>The kernel handles rule requests for the family: "ip rule" works.</summary>
    Available,

    /// <summary>
    /// No policy routing for the family (EAFNOSUPPORT: built without CONFIG_IP_MULTIPLE_TABLES or
    /// CONFIG_IPV6_MULTIPLE_TABLES; EOPNOTSUPP: no rule handler at all), as on some OpenVZ and old kernels.
    /// </summary>
    Unsupported,

    /// <summary>The kernel refused (EPERM/EACCES): no CAP_NET_ADMIN, or a container that forbids rule changes.</summary>
    NotPermitted,

    /// <summary>Any other failure, including not being able to open the netlink socket.</summary>
    Failed,
}
