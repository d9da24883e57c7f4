// RtNetlink addresses: add, delete and list interface addresses, IPv4 and IPv6 (RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR).
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using WgSharp.Tun.Interop;
using WgSharp.Tun.Net;

namespace WgSharp.Tun.Netlink;

public sealed partial class RtNetlink
{
    /// <summary>
    /// Adds <paramref name="address"/> (host bits kept: 10.0.0.2/24) to interface <paramref name="index"/>, as
    /// <c>ip address add 10.0.0.2/24 dev wg0</c>: EEXIST when it is already there. Pass <see cref="AddressFlags.NoDad"/>
    /// for an IPv6 address that must be usable at once.
    /// </summary>
    public void AddAddress(int index, RoutePrefix address, AddressFlags flags = AddressFlags.None) =>
        ModifyAddress(LibC.RTM_NEWADDR, LibC.NLM_F_CREATE | LibC.NLM_F_EXCL, index, address, flags, "add");

    /// <summary>Removes the address (<c>ip address del 10.0.0.2/24 dev wg0</c>); EADDRNOTAVAIL when it is absent.</summary>
    public void DeleteAddress(int index, RoutePrefix address) =>
        ModifyAddress(LibC.RTM_DELADDR, 0, index, address, AddressFlags.None, "del");

    /// <summary>
    /// The addresses of one interface (<paramref name="index"/> &gt; 0) or of all, of one family or both
    /// (<c>ip address show</c>).
    /// </summary>
    public IReadOnlyList<AddressEntry> ListAddresses(int index = 0, AddressFamily family = AddressFamily.Unspecified)
    {
        byte nativeFamily = NativeFamily(family);
        lock (_lock)
        {
            Dictionary<int, string> names = LinkNames();
            List<AddressEntry> addresses = Dump($"ip {FamilyOption(family)}address show", LibC.RTM_GETADDR,
                LibC.IfAddrMsgSize, nativeFamily, static (type, payload) => type == LibC.RTM_NEWADDR ? ParseAddress(payload) : null);
            var result = new List<AddressEntry>(addresses.Count);
            foreach (AddressEntry address in addresses)
            {
                if (index == 0 || address.InterfaceIndex == index)
                {
                    result.Add(address with { InterfaceName = names.GetValueOrDefault(address.InterfaceIndex) });
                }
            }
            return result;
        }
    }

    private void ModifyAddress(ushort type, ushort flags, int index, RoutePrefix address, AddressFlags addressFlags, string verb)
    {
        if (index <= 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(index), "An interface index is positive.");
        }
        ArgumentNullException.ThrowIfNull(address.Address);
        lock (_lock)
        {
            var entry = new AddressEntry(index, address, RouteScope.Universe, addressFlags, null, NameForText(index, null));
            _request.Begin(type, (ushort)(LibC.NLM_F_REQUEST | LibC.NLM_F_ACK | flags), LibC.IfAddrMsgSize);
            Span<byte> header = _request.Header;
            header[0] = NativeFamily(address.Family);
            header[1] = (byte)address.Length;
            header[2] = (byte)addressFlags;
            BinaryPrimitives.WriteInt32LittleEndian(header[4..], index);
            // As ip does: IFA_LOCAL is the address itself, IFA_ADDRESS the same for a non point-to-point address.
            _request.AddAddress(LibC.IFA_LOCAL, address.Address);
            _request.AddAddress(LibC.IFA_ADDRESS, address.Address);
            if ((uint)addressFlags > 0xff)
            {
                _request.AddUInt32(LibC.IFA_FLAGS, (uint)addressFlags);
            }
            Execute($"ip {FamilyOption(address.Family)}address {verb} {entry}", null);
        }
    }

    /// <summary>ifaddrmsg (family, prefixlen, flags, scope, index) and its IFA_* attributes.</summary>
    public static AddressEntry? ParseAddress(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < LibC.IfAddrMsgSize)
        {
            return null;
        }
        byte family = payload[0];
        int addressLength = family switch { LibC.AF_INET => 4, LibC.AF_INET6 => 16, _ => 0 };
        int prefixLength = payload[1];
        if (addressLength == 0 || prefixLength > addressLength * 8)
        {
            return null;
        }
        var flags = (AddressFlags)payload[2];
        var scope = (RouteScope)payload[3];
        int index = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        IPAddress? local = null;
        IPAddress? address = null;
        foreach (NetlinkAttribute attribute in new NetlinkAttributeReader(payload[LibC.IfAddrMsgSize..]))
        {
            switch (attribute.Type)
            {
                case LibC.IFA_LOCAL:
                    local = attribute.Address(addressLength);
                    break;
                case LibC.IFA_ADDRESS:
                    address = attribute.Address(addressLength);
                    break;
                case LibC.IFA_FLAGS:
                    flags = (AddressFlags)attribute.UInt32;
                    break;
            }
        }
        IPAddress? own = local ?? address;
        if (own is null)
        {
            return null;
        }
        IPAddress? peer = local is not null && address is not null && !address.Equals(local) ? address : null;
        return new AddressEntry(index, new RoutePrefix(own, prefixLength), scope, flags, peer);
    }
}
