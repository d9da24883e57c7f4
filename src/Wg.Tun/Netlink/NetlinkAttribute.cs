// One netlink attribute (struct nlattr / rtattr) seen through a span: its type number and its value bytes.
using System.Buffers.Binary;
using System.Net;
using System.Text;
using WgSharp.Tun.Net;

namespace WgSharp.Tun.Netlink;

/// <summary>
/// A view of one attribute from a kernel message. The typed getters check the value length and return a default
/// when it is wrong, so a malformed message degrades to missing fields instead of an exception.
/// </summary>
internal readonly ref struct NetlinkAttribute
{
    public NetlinkAttribute(ushort type, ReadOnlySpan<byte> value)
    {
        Type = type;
        Value = value;
    }

    /// <summary>The type number without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits.</summary>
    public ushort Type { get; }

    public ReadOnlySpan<byte> Value { get; }

    public byte UInt8 => Value.Length >= 1 ? Value[0] : (byte)0;

    public uint UInt32 => Value.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Value) : 0;

    /// <summary>A string attribute without its NUL terminator (and anything after it).</summary>
    public string String
    {
        get
        {
            int end = Value.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end >= 0 ? Value[..end] : Value);
        }
    }

    /// <summary>The attributes inside a nested attribute.</summary>
    public NetlinkAttributeReader Nested => new(Value);

    /// <summary>An address of the expected family (4 or 16 bytes), or null when the length does not match.</summary>
    public IPAddress? Address(int length) => Value.Length == length ? new IPAddress(Value) : null;

    /// <summary>struct fib_rule_port_range (two host-order u16), or null when short or not a valid range.</summary>
    public PortRange? PortRange
    {
        get
        {
            if (Value.Length < 4)
            {
                return null;
            }
            ushort start = BinaryPrimitives.ReadUInt16LittleEndian(Value);
            ushort end = BinaryPrimitives.ReadUInt16LittleEndian(Value[2..]);
            return start != 0 && start <= end ? new PortRange(start, end) : null;
        }
    }
}
