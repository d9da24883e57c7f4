// ifa_flags / IFA_FLAGS: properties of an interface address (IFA_F_* in linux/if_addr.h).
namespace WgSharp.Tun.Netlink;

[Flags]
public enum AddressFlags : uint
{
    None = 0,
    Secondary = 0x01,

    /// <summary>IPv6: skip duplicate address detection, so the address is usable at once (ip's "nodad").</summary>
    NoDad = 0x02,
    Optimistic = 0x04,
    DadFailed = 0x08,
    HomeAddress = 0x10,
    Deprecated = 0x20,
    Tentative = 0x40,
    Permanent = 0x80,
    ManageTemporaryAddress = 0x100,

    /// <summary>Do not add the prefix route the kernel otherwise creates for the address (ip's "noprefixroute").</summary>
    NoPrefixRoute = 0x200,
    McAutoJoin = 0x400,
    StablePrivacy = 0x800,
}
