// An address assigned to an interface (RTM_NEWADDR): the address with its prefix length, scope and flags.
using System.Net;
using System.Text;
using WgSharp.Tun.Net;

namespace WgSharp.Tun.Netlink;

/// <param name="InterfaceIndex">ifa_index.</param>
/// <param name="Prefix">IFA_LOCAL (IFA_ADDRESS when there is no IFA_LOCAL) and ifa_prefixlen, host bits kept.</param>
/// <param name="Scope">ifa_scope.</param>
/// <param name="Flags">IFA_FLAGS when present, else ifa_flags.</param>
/// <param name="Peer">IFA_ADDRESS when it differs from IFA_LOCAL: the far end of a point-to-point address.</param>
/// <param name="InterfaceName">The interface's name, for printing; filled in by the listing.</param>
public sealed record AddressEntry(
    int InterfaceIndex,
    RoutePrefix Prefix,
    RouteScope Scope,
    AddressFlags Flags,
    IPAddress? Peer = null,
    string? InterfaceName = null)
{
    public IPAddress Address => Prefix.Address;

    /// <summary>
    /// What follows <c>ip address add</c> to create this address: "10.0.0.2/24 dev wg0", plus "peer", "scope" and
    /// "nodad"/"noprefixroute" when they apply. wg-quick prints its address commands in this form.
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        if (Peer is null)
        {
            text.Append(Prefix);
        }
        else
        {
            text.Append(Address).Append(" peer ").Append(Peer).Append('/').Append(Prefix.Length);
        }
        text.Append(" dev ").Append(InterfaceName ?? $"if{InterfaceIndex}");
        if (Scope != RouteScope.Universe)
        {
            text.Append(" scope ").Append(IprouteNames.Scope(Scope));
        }
        if ((Flags & AddressFlags.NoDad) != 0)
        {
            text.Append(" nodad");
        }
        if ((Flags & AddressFlags.NoPrefixRoute) != 0)
        {
            text.Append(" noprefixroute");
        }
        return text.ToString();
    }
}
