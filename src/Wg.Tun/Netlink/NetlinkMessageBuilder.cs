// Writes one netlink request (nlmsghdr, a fixed family header, then attributes) into a reusable buffer.
using System.Buffers.Binary;
using System.Net;
using System.Text;
using WgSharp.Tun.Interop;
using WgSharp.Tun.Net;

namespace WgSharp.Tun.Netlink;

/// <summary>
/// Builds a request in place: <see cref="Begin"/> reserves the 16-byte nlmsghdr and a zeroed family header
/// (ifinfomsg, ifaddrmsg, rtmsg, fib_rule_hdr), <see cref="Header"/> exposes that header for filling, attributes are
/// appended 4-byte aligned (netlink(7), NLMSG_ALIGN/NLA_ALIGN), and <see cref="Finish"/> writes length, sequence
/// number and port id. Numbers are in host order, which on every Linux target .NET supports is little-endian.
/// The buffer grows when needed and is kept for the next request.
/// </summary>
internal sealed class NetlinkMessageBuilder
{
    private byte[] _buffer = new byte[1024];
    private int _length;
    private int _headerLength;

    public ReadOnlySpan<byte> Message => _buffer.AsSpan(0, _length);

    public ushort Type => BinaryPrimitives.ReadUInt16LittleEndian(_buffer.AsSpan(4));

    public ushort Flags => BinaryPrimitives.ReadUInt16LittleEndian(_buffer.AsSpan(6));

    /// <summary>The family header that follows the nlmsghdr, zeroed by <see cref="Begin"/>.</summary>
    public Span<byte> Header => _buffer.AsSpan(LibC.NlMsgHdrSize, _headerLength);

    public void Begin(ushort type, ushort flags, int headerLength)
    {
        _headerLength = headerLength;
        _length = 0;
        Span<byte> start = Reserve(LibC.NlMsgHdrSize + LibC.NetlinkAlign(headerLength));
        start.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(start[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(start[6..], flags);
    }

    public void Finish(uint sequence, uint portId)
    {
        Span<byte> header = _buffer.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)_length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], portId);
    }

    public void AddBytes(ushort type, ReadOnlySpan<byte> value) => value.CopyTo(AddAttribute(type, value.Length));

    public void AddUInt8(ushort type, byte value) => AddAttribute(type, 1)[0] = value;

    public void AddUInt32(ushort type, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(AddAttribute(type, 4), value);

    /// <summary>A NUL-terminated string attribute (NLA_NUL_STRING / NLA_STRING both accept it).</summary>
    public void AddString(ushort type, string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        Span<byte> target = AddAttribute(type, length + 1);
        Encoding.UTF8.GetBytes(value, target);
        target[length] = 0;
    }

    /// <summary>The 4 or 16 address bytes, network order, as RTA_DST/IFA_LOCAL/FRA_SRC and friends carry them.</summary>
    public void AddAddress(ushort type, IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        AddBytes(type, bytes[..written]);
    }

    /// <summary>Two u16 in host order: struct fib_rule_port_range; a rule's range starts at port 1 (0 is no port).</summary>
    public void AddPortRange(ushort type, PortRange range)
    {
        if (range.First == 0 || range.Last < range.First)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(range), "A policy rule's port range is 1..65535 with start <= end.");
        }
        Span<byte> value = AddAttribute(type, 4);
        BinaryPrimitives.WriteUInt16LittleEndian(value, range.First);
        BinaryPrimitives.WriteUInt16LittleEndian(value[2..], range.Last);
    }

    /// <summary>Opens a nested attribute; close it with <see cref="EndNested"/> passing the returned offset.</summary>
    public int BeginNested(ushort type)
    {
        int offset = _length;
        Span<byte> header = Reserve(LibC.RtAttrSize);
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], type);
        return offset;
    }

    public void EndNested(int offset) =>
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(offset), (ushort)(_length - offset));

    private Span<byte> AddAttribute(ushort type, int valueLength)
    {
        int length = LibC.RtAttrSize + valueLength;
        Span<byte> attribute = Reserve(LibC.NetlinkAlign(length));
        attribute.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(attribute, (ushort)length);
        BinaryPrimitives.WriteUInt16LittleEndian(attribute[2..], type);
        return attribute.Slice(LibC.RtAttrSize, valueLength);
    }

    private Span<byte> Reserve(int size)
    {
        if (_length + size > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + size));
        }
        Span<byte> reserved = _buffer.AsSpan(_length, size);
        _length += size;
        return reserved;
    }
}
