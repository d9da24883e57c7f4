// A compact, allocation-free IP address value for hot paths (dictionary keys, trie lookups,
// conntrack tuples): the address as two big-endian 64-bit words plus its family.
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using WgSharp.Tun.Net;

namespace WgSharp.Router.Routing;

/// <summary>
/// An IPv4 or IPv6 address stored inline as 16 bytes plus an <see cref="IpFamily"/>.
/// </summary>
/// <remarks>
/// Layout choice: the address bytes are kept in network order as two words, <c>High</c> = bytes 0..7
/// and <c>Low</c> = bytes 8..15, each read big-endian, so bit <c>i</c> of the address (counting from
/// the most significant bit of byte 0) is bit <c>63 - i</c> of <c>High</c> (or <c>127 - i</c> of
/// <c>Low</c>). An IPv4 address occupies bytes 0..3 (the top 32 bits of <c>High</c>) and the rest is
/// zero; it is NOT stored v4-mapped. Two reasons: prefix bit <c>i</c> means the same thing for both
/// families, so the trie and prefix masks share one code path; and the family stays explicit, so the
/// IPv6 address <c>::ffff:10.0.0.1</c> remains a different key from the IPv4 address <c>10.0.0.1</c>,
/// exactly as the kernel keeps separate IPv4 and IPv6 tables (an AllowedIPs entry <c>::ffff:0:0/96</c>
/// does not route IPv4 packets). <c>default(IpAddressKey)</c> has family <see cref="IpFamily.Unspecified"/>.
/// </remarks>
[StructLayout(LayoutKind.Auto)]
public readonly struct IpAddressKey : IEquatable<IpAddressKey>, IComparable<IpAddressKey>, ISpanFormattable
{
    public const int V4Length = 4;
    public const int V6Length = 16;

    private readonly ulong _high;
    private readonly ulong _low;
    private readonly IpFamily _family;

    /// <summary>Creates a key from its raw words; IPv4 keeps only the top 32 bits of <paramref name="high"/>.</summary>
    public IpAddressKey(IpFamily family, ulong high, ulong low)
    {
        switch (family)
        {
            case IpFamily.V4:
                _high = high & 0xFFFF_FFFF_0000_0000UL;
                _low = 0;
                break;
            case IpFamily.V6:
                _high = high;
                _low = low;
                break;
            default:
                RoutingThrowHelper.ThrowArgument("Family must be V4 or V6.", nameof(family));
                break;
        }
        _family = family;
    }

    public IpFamily Family => _family;

    public bool IsV4 => _family == IpFamily.V4;

    public bool IsV6 => _family == IpFamily.V6;

    /// <summary>Bytes 0..7 of the address, big-endian.</summary>
    internal ulong High => _high;

    /// <summary>Bytes 8..15 of the address, big-endian (always 0 for IPv4).</summary>
    internal ulong Low => _low;

    /// <summary>4 for IPv4, 16 for IPv6, 0 for default.</summary>
    public int ByteLength => _family switch { IpFamily.V4 => V4Length, IpFamily.V6 => V6Length, _ => 0 };

    /// <summary>Maximum prefix length of this family: 32, 128, or 0 for default.</summary>
    public int BitLength => ByteLength * 8;

    /// <summary>The IPv4 address as a host-order number (10.0.0.1 → 0x0A000001); 0 for IPv6.</summary>
    public uint V4Value => IsV4 ? (uint)(_high >> 32) : 0;

    /// <summary>IPv4 224.0.0.0/4 or IPv6 ff00::/8.</summary>
    public bool IsMulticast => _family switch
    {
        IpFamily.V4 => (_high >> 60) == 0xE,
        IpFamily.V6 => (_high >> 56) == 0xFF,
        _ => false,
    };

    /// <summary>IPv4 0.0.0.0 or IPv6 ::.</summary>
    public bool IsUnspecified => _family != IpFamily.Unspecified && _high == 0 && _low == 0;

    /// <summary>IPv4 127.0.0.0/8 or IPv6 ::1.</summary>
    public bool IsLoopback => _family switch
    {
        IpFamily.V4 => (_high >> 56) == 127,
        IpFamily.V6 => _high == 0 && _low == 1,
        _ => false,
    };

    /// <summary>IPv4 limited broadcast 255.255.255.255.</summary>
    public bool IsV4LimitedBroadcast => IsV4 && (_high >> 32) == 0xFFFF_FFFF;

    public static IpAddressKey FromV4(uint hostOrderValue) => new(IpFamily.V4, (ulong)hostOrderValue << 32, 0);

    /// <summary>Creates an IPv4 key from exactly 4 network-order bytes.</summary>
    public static IpAddressKey FromV4(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != V4Length)
        {
            RoutingThrowHelper.ThrowArgument("An IPv4 address is 4 bytes.", nameof(bytes));
        }
        return FromV4(BinaryPrimitives.ReadUInt32BigEndian(bytes));
    }

    /// <summary>Creates an IPv6 key from exactly 16 network-order bytes.</summary>
    public static IpAddressKey FromV6(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != V6Length)
        {
            RoutingThrowHelper.ThrowArgument("An IPv6 address is 16 bytes.", nameof(bytes));
        }
        return new IpAddressKey(
            IpFamily.V6,
            BinaryPrimitives.ReadUInt64BigEndian(bytes),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
    }

    /// <summary>Creates a key from 4 (IPv4) or 16 (IPv6) bytes; false for any other length.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> bytes, out IpAddressKey key)
    {
        switch (bytes.Length)
        {
            case V4Length:
                key = FromV4(BinaryPrimitives.ReadUInt32BigEndian(bytes));
                return true;
            case V6Length:
                key = new IpAddressKey(
                    IpFamily.V6,
                    BinaryPrimitives.ReadUInt64BigEndian(bytes),
                    BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
                return true;
            default:
                key = default;
                return false;
        }
    }

    /// <summary>Writes the 4 or 16 network-order bytes; returns the count written.</summary>
    public int CopyTo(Span<byte> destination)
    {
        int length = ByteLength;
        if (destination.Length < length)
        {
            RoutingThrowHelper.ThrowDestinationTooSmall(nameof(destination));
        }
        if (_family == IpFamily.V4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(_high >> 32));
        }
        else if (_family == IpFamily.V6)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
        }
        return length;
    }

    /// <summary>
    /// The value of address bit <paramref name="index"/> (0 = most significant bit of the first byte).
    /// </summary>
    public int GetBit(int index)
    {
        if ((uint)index >= (uint)BitLength)
        {
            RoutingThrowHelper.ThrowArgumentOutOfRange(nameof(index), index, "Bit index outside the address.");
        }
        return index < 64 ? (int)(_high >> (63 - index)) & 1 : (int)(_low >> (127 - index)) & 1;
    }

    /// <summary>The address with every bit after the first <paramref name="prefixLength"/> cleared.</summary>
    public IpAddressKey Mask(int prefixLength)
    {
        if ((uint)prefixLength > (uint)BitLength)
        {
            RoutingThrowHelper.ThrowArgumentOutOfRange(nameof(prefixLength), prefixLength, "Prefix length exceeds the address length.");
        }
        return new IpAddressKey(_family, _high & MaskHigh(prefixLength), _low & MaskLow(prefixLength));
    }

    /// <summary>High word of the netmask for <paramref name="prefixLength"/> (0..128).</summary>
    internal static ulong MaskHigh(int prefixLength) =>
        prefixLength >= 64 ? ulong.MaxValue : prefixLength == 0 ? 0 : ulong.MaxValue << (64 - prefixLength);

    /// <summary>Low word of the netmask for <paramref name="prefixLength"/> (0..128).</summary>
    internal static ulong MaskLow(int prefixLength) =>
        prefixLength <= 64 ? 0 : prefixLength == 128 ? ulong.MaxValue : ulong.MaxValue << (128 - prefixLength);

    public static IpAddressKey FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[V6Length];
        if (!address.TryWriteBytes(bytes, out int written) || !TryCreate(bytes[..written], out IpAddressKey key))
        {
            RoutingThrowHelper.ThrowArgument("Only IPv4 and IPv6 addresses are supported.", nameof(address));
            return default;
        }
        return key;
    }

    public IPAddress ToIPAddress()
    {
        if (_family == IpFamily.Unspecified)
        {
            RoutingThrowHelper.ThrowArgument("default(IpAddressKey) holds no address.", "this");
        }
        Span<byte> bytes = stackalloc byte[V6Length];
        int length = CopyTo(bytes);
        return new IPAddress(bytes[..length]);
    }

    /// <summary>
    /// Parses dotted-quad IPv4 (exactly four decimal parts, no leading zeros, as inet_pton(3)) or
    /// IPv6 text (hex groups, "::", optional embedded dotted quad; no zone id, brackets or port), by
    /// <see cref="IpText"/>'s grammar; allocates nothing.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out IpAddressKey key)
    {
        key = default;
        Span<byte> bytes = stackalloc byte[V6Length];
        if (!IpText.TryParse(text, bytes, out bool isIPv6, out ReadOnlySpan<char> zone) || !zone.IsEmpty)
        {
            return false;
        }
        key = isIPv6 ? FromV6(bytes) : FromV4(bytes[..4]);
        return true;
    }

    public static IpAddressKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, out IpAddressKey key))
        {
            RoutingThrowHelper.ThrowFormat($"'{text}' is not a valid IPv4 or IPv6 address.");
        }
        return key;
    }

    public bool Equals(IpAddressKey other) => _high == other._high && _low == other._low && _family == other._family;

    public override bool Equals(object? obj) => obj is IpAddressKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _low, _family);

    /// <summary>Orders IPv4 before IPv6, then numerically.</summary>
    public int CompareTo(IpAddressKey other)
    {
        int c = _family.CompareTo(other._family);
        if (c != 0)
        {
            return c;
        }
        c = _high.CompareTo(other._high);
        return c != 0 ? c : _low.CompareTo(other._low);
    }

    public static bool operator ==(IpAddressKey left, IpAddressKey right) => left.Equals(right);

    public static bool operator !=(IpAddressKey left, IpAddressKey right) => !left.Equals(right);

    /// <summary>Dotted quad for IPv4, RFC 5952 text for IPv6, empty for default.</summary>
    public override string ToString() => ToString(null, null);

    public string ToString(string? format, IFormatProvider? formatProvider)
    {
        Span<char> buffer = stackalloc char[46];
        return TryFormat(buffer, out int written, default, null) ? new string(buffer[..written]) : string.Empty;
    }

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        switch (_family)
        {
            case IpFamily.V4:
                uint v = V4Value;
                return destination.TryWrite(
                    CultureInfo.InvariantCulture,
                    $"{v >> 24}.{(v >> 16) & 0xFF}.{(v >> 8) & 0xFF}.{v & 0xFF}",
                    out charsWritten);
            case IpFamily.V6:
                return ToIPAddress().TryFormat(destination, out charsWritten);
            default:
                charsWritten = 0;
                return true;
        }
    }
}
