// Walks the attributes of a netlink message (or of a nested attribute) without copying: foreach over a span.
using System.Buffers.Binary;
using WgSharp.Tun.Interop;

namespace WgSharp.Tun.Netlink;

/// <summary>
/// Enumerates <see cref="NetlinkAttribute"/>s (RTA_OK/RTA_NEXT in rtnetlink(3)). Stops quietly at the first header
/// whose length is shorter than a header or runs past the data, which is how the kernel's own nla_ok behaves.
/// </summary>
internal ref struct NetlinkAttributeReader
{
    private ReadOnlySpan<byte> _remaining;

    public NetlinkAttributeReader(ReadOnlySpan<byte> attributes)
    {
        _remaining = attributes;
        Current = default;
    }

    public NetlinkAttribute Current { get; private set; }

    public readonly NetlinkAttributeReader GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_remaining.Length < LibC.RtAttrSize)
        {
            return false;
        }
        int length = BinaryPrimitives.ReadUInt16LittleEndian(_remaining);
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(_remaining[2..]);
        if (length < LibC.RtAttrSize || length > _remaining.Length)
        {
            _remaining = default;
            return false;
        }
        Current = new NetlinkAttribute((ushort)(type & LibC.NLA_TYPE_MASK), _remaining[LibC.RtAttrSize..length]);
        int advance = LibC.NetlinkAlign(length);
        _remaining = advance >= _remaining.Length ? default : _remaining[advance..];
        return true;
    }
}
