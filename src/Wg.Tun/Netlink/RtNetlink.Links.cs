// RtNetlink links: look up interfaces by name or index, list them, set MTU and up/down (RTM_GETLINK, RTM_SETLINK).
using System.Buffers.Binary;
using WgSharp.Tun.Interop;

namespace WgSharp.Tun.Netlink;

public sealed partial class RtNetlink
{
    /// <summary>The ifindex of <paramref name="name"/>; NetlinkException with ENODEV when there is none.</summary>
    public int GetLinkIndex(string name) => GetLink(name).Index;

    /// <summary>RTM_GETLINK by IFLA_IFNAME (<c>ip link show dev NAME</c>).</summary>
    public LinkInfo GetLink(string name)
    {
        TunErrors.ValidateName(name);
        lock (_lock)
        {
            _request.Begin(LibC.RTM_GETLINK, LibC.NLM_F_REQUEST | LibC.NLM_F_ACK, LibC.IfInfoMsgSize);
            _request.AddString(LibC.IFLA_IFNAME, name);
            return QueryLink($"ip link show dev {name}");
        }
    }

    /// <summary>RTM_GETLINK by ifi_index.</summary>
    public LinkInfo GetLink(int index)
    {
        lock (_lock)
        {
            _request.Begin(LibC.RTM_GETLINK, LibC.NLM_F_REQUEST | LibC.NLM_F_ACK, LibC.IfInfoMsgSize);
            BinaryPrimitives.WriteInt32LittleEndian(_request.Header[4..], index);
            return QueryLink($"ip link show dev if{index}");
        }
    }

    /// <summary>Like <see cref="GetLink(string)"/> but null when the interface does not exist.</summary>
    public LinkInfo? TryGetLink(string name)
    {
        try
        {
            return GetLink(name);
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENODEV)
        {
            return null;
        }
    }

    /// <summary>All interfaces of the namespace (<c>ip link show</c>).</summary>
    public IReadOnlyList<LinkInfo> ListLinks()
    {
        lock (_lock)
        {
            return Dump("ip link show", LibC.RTM_GETLINK, LibC.IfInfoMsgSize, 0,
                static (type, payload) => type == LibC.RTM_NEWLINK ? ParseLink(payload) : null);
        }
    }

    /// <summary>Sets IFLA_MTU (<c>ip link set dev NAME mtu N</c>).</summary>
    public void SetMtu(int index, int mtu) => SetMtu(index, mtu, null);

    public void SetMtu(string name, int mtu) => SetMtu(GetLinkIndex(name), mtu, name);

    /// <summary>Sets or clears IFF_UP through ifi_flags/ifi_change (<c>ip link set dev NAME up|down</c>).</summary>
    public void SetLinkUp(int index, bool up) => SetLinkUp(index, up, null);

    public void SetLinkUp(string name, bool up) => SetLinkUp(GetLinkIndex(name), up, name);

    private void SetMtu(int index, int mtu, string? name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mtu);
        lock (_lock)
        {
            string operation = $"ip link set dev {NameForText(index, name)} mtu {mtu}";
            _request.Begin(LibC.RTM_SETLINK, LibC.NLM_F_REQUEST | LibC.NLM_F_ACK, LibC.IfInfoMsgSize);
            BinaryPrimitives.WriteInt32LittleEndian(_request.Header[4..], index);
            _request.AddUInt32(LibC.IFLA_MTU, (uint)mtu);
            Execute(operation, null);
        }
    }

    private void SetLinkUp(int index, bool up, string? name)
    {
        lock (_lock)
        {
            string operation = $"ip link set dev {NameForText(index, name)} {(up ? "up" : "down")}";
            _request.Begin(LibC.RTM_SETLINK, LibC.NLM_F_REQUEST | LibC.NLM_F_ACK, LibC.IfInfoMsgSize);
            Span<byte> header = _request.Header;
            BinaryPrimitives.WriteInt32LittleEndian(header[4..], index);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], up ? (uint)LibC.IFF_UP : 0);
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)LibC.IFF_UP);
            Execute(operation, null);
        }
    }

    private LinkInfo QueryLink(string operation)
    {
        LinkInfo? link = null;
        Execute(operation, (type, payload) =>
        {
            if (type == LibC.RTM_NEWLINK)
            {
                link ??= ParseLink(payload);
            }
        });
        return link ?? throw new NetlinkException(operation, LibC.ENODEV, "the kernel sent no link");
    }

    /// <summary>ifinfomsg (family, pad, type u16, index i32, flags u32, change u32) and its IFLA_* attributes.</summary>
    public static LinkInfo? ParseLink(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < LibC.IfInfoMsgSize)
        {
            return null;
        }
        int index = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        string? name = null;
        int mtu = 0;
        string? kind = null;
        foreach (NetlinkAttribute attribute in new NetlinkAttributeReader(payload[LibC.IfInfoMsgSize..]))
        {
            switch (attribute.Type)
            {
                case LibC.IFLA_IFNAME:
                    name = attribute.String;
                    break;
                case LibC.IFLA_MTU:
                    mtu = (int)attribute.UInt32;
                    break;
                case LibC.IFLA_LINKINFO:
                    foreach (NetlinkAttribute info in attribute.Nested)
                    {
                        if (info.Type == LibC.IFLA_INFO_KIND)
                        {
                            kind = info.String;
                        }
                    }
                    break;
            }
        }
        return name is null ? null : new LinkInfo(index, name, mtu, flags, kind);
    }

    /// <summary>
    /// The interface's name for an operation description, or ip's "if&lt;index&gt;" when it has none. Makes a request
    /// of its own: call it before building the next one.
    /// </summary>
    private string NameForText(int index, string? known)
    {
        if (known is not null)
        {
            return known;
        }
        try
        {
            return GetLink(index).Name;
        }
        catch (NetlinkException)
        {
            return $"if{index}";
        }
    }

    /// <summary>ifindex → name for decorating addresses and routes.</summary>
    private Dictionary<int, string> LinkNames()
    {
        var names = new Dictionary<int, string>();
        foreach (LinkInfo link in ListLinks())
        {
            names[link.Index] = link.Name;
        }
        return names;
    }
}
