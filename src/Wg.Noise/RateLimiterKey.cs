// How the handshake rate limiter identifies a source: an IPv4 address, or an IPv6 /64.
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using WgSharp.Noise.Messages;

namespace WgSharp.Noise;

/// <summary>
/// What <see cref="RateLimiter"/> counts a source as: an IPv4 address as a whole, an IPv6 address by its /64
/// prefix (one end site typically holds a whole /64 and could otherwise multiply its budget by choosing addresses;
/// the Linux driver groups the same way, while wireguard-go keys the full IPv6 address). IPv4-mapped IPv6 addresses
/// (::ffff:a.b.c.d, as a dual-stack socket reports IPv4 senders) count as the IPv4 address, so IPv4 senders do not
/// all share the one ::ffff:0:0/64 bucket.
/// </summary>
internal readonly struct RateLimiterKey : IEquatable<RateLimiterKey>
{
    // IPv4: the address, big-endian, in the low 32 bits. IPv6: the first 64 bits, big-endian.
    private readonly ulong _value;
    private readonly bool _isIPv6;

    private RateLimiterKey(ulong value, bool isIPv6)
    {
        _value = value;
        _isIPv6 = isIPv6;
    }

    public AddressFamily AddressFamily => _isIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    /// <summary>Key for a raw address: 4 bytes (IPv4) or 16 bytes (IPv6), network order. Other lengths throw.</summary>
    public static RateLimiterKey FromAddressBytes(ReadOnlySpan<byte> address)
    {
        if (address.Length == 4)
        {
            return new RateLimiterKey(BinaryPrimitives.ReadUInt32BigEndian(address), isIPv6: false);
        }

        if (address.Length != 16)
        {
            MessageErrors.AddressLength(nameof(address), address.Length);
        }

        // ::ffff:0:0/96 (RFC 4291 §2.5.5.2): ten zero bytes, two 0xff, then the IPv4 address.
        if (BinaryPrimitives.ReadUInt64BigEndian(address) == 0
            && BinaryPrimitives.ReadUInt32BigEndian(address[8..]) == 0x0000ffffu)
        {
            return new RateLimiterKey(BinaryPrimitives.ReadUInt32BigEndian(address[12..]), isIPv6: false);
        }

        return new RateLimiterKey(BinaryPrimitives.ReadUInt64BigEndian(address), isIPv6: true);
    }

    /// <summary>Key for <paramref name="address"/> (the scope id of a link-local IPv6 address is ignored).</summary>
    public static RateLimiterKey FromAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];

        // Sixteen bytes hold either family, so this cannot fail.
        _ = address.TryWriteBytes(bytes, out var written);
        return FromAddressBytes(bytes[..written]);
    }

    public bool Equals(RateLimiterKey other) => _value == other._value && _isIPv6 == other._isIPv6;

    public override bool Equals(object? obj) => obj is RateLimiterKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_value, _isIPv6);

    /// <summary>The IPv4 address, or the IPv6 /64 prefix.</summary>
    public override string ToString()
    {
        if (!_isIPv6)
        {
            Span<byte> v4 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, (uint)_value);
            return new IPAddress(v4).ToString();
        }

        Span<byte> v6 = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(v6, _value);
        return new IPAddress(v6) + "/64";
    }

    public static bool operator ==(RateLimiterKey left, RateLimiterKey right) => left.Equals(right);

    public static bool operator !=(RateLimiterKey left, RateLimiterKey right) => !left.Equals(right);
}
