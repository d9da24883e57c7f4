// RtNetlink routes: add, replace, delete, dump every table, and look up the route to one address (ip route get).
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using WgSharp.Tun.Interop;
using WgSharp.Tun.Net;

namespace WgSharp.Tun.Netlink;

public sealed partial class RtNetlink
{
    /// <summary><c>ip route add ROUTE</c>: EEXIST when the same route is already in the table.</summary>
    public void AddRoute(RouteEntry route) =>
        ModifyRoute(LibC.RTM_NEWROUTE, LibC.NLM_F_CREATE | LibC.NLM_F_EXCL, route, "add");

    /// <summary><c>ip route replace ROUTE</c>: adds the route or replaces the one with the same key.</summary>
    public void ReplaceRoute(RouteEntry route) =>
        ModifyRoute(LibC.RTM_NEWROUTE, LibC.NLM_F_CREATE | LibC.NLM_F_REPLACE, route, "replace");

    /// <summary><c>ip route del ROUTE</c>: ESRCH when no route matches.</summary>
    public void DeleteRoute(RouteEntry route) => ModifyRoute(LibC.RTM_DELROUTE, 0, route, "del");

    /// <summary>
    /// Every route of every table, of one family or both: what <c>ip route show table all</c> prints (cached clones
    /// excluded, as ip excludes them), in the kernel's order, IPv4 first.
    /// </summary>
    public IReadOnlyList<RouteEntry> ListRoutes(AddressFamily family = AddressFamily.Unspecified)
    {
        byte nativeFamily = NativeFamily(family);
        lock (_lock)
        {
            Dictionary<int, string> names = LinkNames();
            List<RouteEntry> routes = Dump($"ip {FamilyOption(family)}route show table all", LibC.RTM_GETROUTE,
                LibC.RtMsgSize, nativeFamily, static (type, payload) => type == LibC.RTM_NEWROUTE ? ParseRoute(payload, includeCloned: false) : null);
            for (int i = 0; i < routes.Count; i++)
            {
                if (routes[i].OutputInterface != 0 && names.TryGetValue(routes[i].OutputInterface, out string? name))
                {
                    routes[i] = routes[i] with { OutputInterfaceName = name };
                }
            }
            return routes;
        }
    }

    /// <summary>
    /// The route a packet to <paramref name="destination"/> (carrying <paramref name="fwmark"/>, if given) would take,
    /// as <c>ip route get ADDRESS [mark FWMARK]</c> reports it, with the MTU to use: the route's RTAX_MTU when it has
    /// one, else the MTU of the outgoing interface. NetlinkException when there is no route (ENETUNREACH, or EINVAL /
    /// EACCES / EHOSTUNREACH for blackhole / prohibit / unreachable routes).
    /// </summary>
    public RouteLookup GetRouteTo(IPAddress destination, uint? fwmark = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        RoutePrefix host = RoutePrefix.Host(destination);
        string operation = $"ip {FamilyOption(host.Family)}route get {destination}" + (fwmark is { } m ? $" mark 0x{m:x}" : "");
        lock (_lock)
        {
            _request.Begin(LibC.RTM_GETROUTE, LibC.NLM_F_REQUEST | LibC.NLM_F_ACK, LibC.RtMsgSize);
            Span<byte> header = _request.Header;
            header[0] = NativeFamily(host.Family);
            header[1] = (byte)host.Length;
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], LibC.RTM_F_LOOKUP_TABLE);
            _request.AddAddress(LibC.RTA_DST, destination);
            if (fwmark is { } mark)
            {
                _request.AddUInt32(LibC.RTA_MARK, mark);
            }
            RouteEntry? found = null;
            Execute(operation, (type, payload) =>
            {
                if (type == LibC.RTM_NEWROUTE)
                {
                    found ??= ParseRoute(payload, includeCloned: true);
                }
            });
            if (found is null)
            {
                throw new NetlinkException(operation, LibC.ENETUNREACH, "the kernel sent no route");
            }
            string? name = null;
            int mtu = found.Mtu ?? 0;
            if (found.OutputInterface != 0)
            {
                LinkInfo link = GetLink(found.OutputInterface);
                name = link.Name;
                if (found.Mtu is null)
                {
                    mtu = link.Mtu;
                }
            }
            return new RouteLookup(destination, found.Type, found.Table, found.OutputInterface, name, found.Gateway,
                found.PreferredSource, mtu, found.Mtu is not null);
        }
    }

    /// <summary>Like <see cref="GetRouteTo"/> but null when the destination is unreachable by any route.</summary>
    public RouteLookup? TryGetRouteTo(IPAddress destination, uint? fwmark = null)
    {
        try
        {
            return GetRouteTo(destination, fwmark);
        }
        catch (NetlinkException e) when (e.Errno is Errno.ENETUNREACH or Errno.EHOSTUNREACH or Errno.EINVAL or Errno.EACCES)
        {
            return null;
        }
    }

    private void ModifyRoute(ushort type, ushort flags, RouteEntry route, string verb)
    {
        ArgumentNullException.ThrowIfNull(route);
        RoutePrefix destination = route.Destination;
        if (destination.Address is null)
        {
            ThrowHelper.ThrowArgument("A route needs a destination.", nameof(route));
        }
        foreach (IPAddress? address in (ReadOnlySpan<IPAddress?>)[route.Gateway, route.PreferredSource])
        {
            if (address is not null && address.AddressFamily != destination.Family)
            {
                ThrowHelper.ThrowArgument("Gateway and source must be of the destination's family.", nameof(route));
            }
        }
        bool deleting = type == LibC.RTM_DELROUTE;
        lock (_lock)
        {
            int oif = route.OutputInterface;
            if (oif == 0 && route.OutputInterfaceName is not null)
            {
                oif = GetLinkIndex(route.OutputInterfaceName);
            }
            string? oifName = oif == 0 ? null : NameForText(oif, route.OutputInterfaceName);
            string operation = $"ip {FamilyOption(destination.Family)}route {verb} "
                + (route with { OutputInterface = oif, OutputInterfaceName = oifName }).ToCommandArguments();

            _request.Begin(type, (ushort)(LibC.NLM_F_REQUEST | LibC.NLM_F_ACK | flags), LibC.RtMsgSize);
            Span<byte> header = _request.Header;
            header[0] = NativeFamily(destination.Family);
            header[1] = (byte)destination.Length;
            header[4] = route.Table < 256 ? (byte)route.Table : LibC.RT_TABLE_UNSPEC;
            header[5] = (byte)(route.Protocol ?? (deleting ? RouteProtocol.Unspecified : RouteProtocol.Boot));
            header[6] = (byte)(route.Scope ?? AutomaticScope(route, deleting));
            header[7] = (byte)route.Type;
            if (route.Table >= 256)
            {
                _request.AddUInt32(LibC.RTA_TABLE, route.Table);
            }
            if (destination.Length > 0)
            {
                _request.AddAddress(LibC.RTA_DST, destination.Address);
            }
            if (oif != 0)
            {
                _request.AddUInt32(LibC.RTA_OIF, (uint)oif);
            }
            if (route.Gateway is not null)
            {
                _request.AddAddress(LibC.RTA_GATEWAY, route.Gateway);
            }
            if (route.PreferredSource is not null)
            {
                _request.AddAddress(LibC.RTA_PREFSRC, route.PreferredSource);
            }
            if (route.Metric is { } metric)
            {
                _request.AddUInt32(LibC.RTA_PRIORITY, metric);
            }
            if (route.Mtu is { } mtu)
            {
                int metrics = _request.BeginNested(LibC.RTA_METRICS);
                _request.AddUInt32(LibC.RTAX_MTU, (uint)mtu);
                _request.EndNested(metrics);
            }
            Execute(operation, null);
        }
    }

    /// <summary>
    /// The scope <c>ip route</c> picks when none is given (iproute.c, iproute_modify): IPv6 routes are universe;
    /// local and nat are host, broadcast/multicast/anycast link; unicast is link without a gateway, and a delete
    /// uses "nowhere", the kernel's "any scope".
    /// </summary>
    private static RouteScope AutomaticScope(RouteEntry route, bool deleting)
    {
        if (route.Destination.IsIPv6)
        {
            return RouteScope.Universe;
        }
        return route.Type switch
        {
            RouteType.Local or RouteType.Nat => RouteScope.Host,
            RouteType.Broadcast or RouteType.Multicast or RouteType.Anycast => RouteScope.Link,
            RouteType.Unicast or RouteType.Unspecified when deleting => RouteScope.Nowhere,
            RouteType.Unicast or RouteType.Unspecified when route.Gateway is null => RouteScope.Link,
            _ => RouteScope.Universe,
        };
    }

    /// <summary>
    /// rtmsg (family, dst_len, src_len, tos, table, protocol, scope, type, flags) and its RTA_* attributes. Lookups
    /// answer with RTM_F_CLONED entries (the route as resolved for one destination); dumps skip them, as ip does.
    /// </summary>
    public static RouteEntry? ParseRoute(ReadOnlySpan<byte> payload, bool includeCloned)
    {
        if (payload.Length < LibC.RtMsgSize)
        {
            return null;
        }
        byte family = payload[0];
        int addressLength = family switch { LibC.AF_INET => 4, LibC.AF_INET6 => 16, _ => 0 };
        int destinationLength = payload[1];
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        if (addressLength == 0 || destinationLength > addressLength * 8 || (!includeCloned && (flags & LibC.RTM_F_CLONED) != 0))
        {
            return null;
        }
        uint table = payload[4];
        IPAddress? destination = null;
        int oif = 0;
        IPAddress? gateway = null;
        IPAddress? source = null;
        uint? metric = null;
        int? mtu = null;
        byte? preference = null;
        bool multipath = false;
        foreach (NetlinkAttribute attribute in new NetlinkAttributeReader(payload[LibC.RtMsgSize..]))
        {
            switch (attribute.Type)
            {
                case LibC.RTA_DST:
                    destination = attribute.Address(addressLength);
                    break;
                case LibC.RTA_OIF:
                    oif = (int)attribute.UInt32;
                    break;
                case LibC.RTA_GATEWAY:
                    gateway = attribute.Address(addressLength);
                    break;
                case LibC.RTA_PREFSRC:
                    source = attribute.Address(addressLength);
                    break;
                case LibC.RTA_PRIORITY:
                    metric = attribute.UInt32;
                    break;
                case LibC.RTA_TABLE:
                    table = attribute.UInt32;
                    break;
                case LibC.RTA_PREF:
                    preference = attribute.UInt8;
                    break;
                case LibC.RTA_MULTIPATH:
                    multipath = true;
                    break;
                case LibC.RTA_METRICS:
                    foreach (NetlinkAttribute metricAttribute in attribute.Nested)
                    {
                        if (metricAttribute.Type == LibC.RTAX_MTU)
                        {
                            mtu = (int)metricAttribute.UInt32;
                        }
                    }
                    break;
            }
        }
        destination ??= family == LibC.AF_INET6 ? IPAddress.IPv6Any : IPAddress.Any;
        return new RouteEntry
        {
            Destination = new RoutePrefix(destination, destinationLength),
            Type = (RouteType)payload[7],
            Table = table,
            OutputInterface = oif,
            Gateway = gateway,
            PreferredSource = source,
            Metric = metric,
            Protocol = (RouteProtocol)payload[5],
            Scope = (RouteScope)payload[6],
            Mtu = mtu,
            Preference = preference,
            Flags = flags,
            IsMultipath = multipath,
        };
    }
}
