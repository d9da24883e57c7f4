// An IPv4 or IPv6 address with a prefix length, host bits kept: an interface Address (10.0.0.2/24 is address
// 10.0.0.2 on 10.0.0.0/24) and what netlink's routes, rules and addresses carry. A canonical network (AllowedIPs, a
// rule's From/To) is System.Net.IPNetwork; FromNetwork/ToNetwork convert, Network clears the host bits.
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace WgSharp.Tun.Net;

/// <summary>
/// An address and a prefix length, kept as given: an interface address such as 10.0.0.2/24 keeps its host bits,
/// <see cref="Network"/> clears them. Only IPv4 (0..32) and IPv6 (0..128) exist; the constructor enforces it.
/// </summary>
public readonly record struct RoutePrefix
{
    public RoutePrefix(IPAddress address, int length)
    {
        ArgumentNullException.ThrowIfNull(address);
        int bits = address.AddressFamily switch
        {
            AddressFamily.InterNetwork => 32,
            AddressFamily.InterNetworkV6 => 128,
            _ => -1,
        };
        if (bits < 0)
        {
            ThrowHelper.ThrowArgument("Only IPv4 and IPv6 prefixes exist.", nameof(address));
        }
        if ((uint)length > (uint)bits)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(length), $"A prefix length is 0..{bits} for this family.");
        }
        // A zone (fe80::1%eth0) is not part of a prefix; IPAddress.ScopeId throws for IPv4, hence the order.
        Address = address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0
            ? new IPAddress(address.GetAddressBytes())
            : address;
        Length = length;
    }

    public static RoutePrefix DefaultIPv4 { get; } = new(IPAddress.Any, 0);

    public static RoutePrefix DefaultIPv6 { get; } = new(IPAddress.IPv6Any, 0);

    public IPAddress Address { get; }

    public int Length { get; }

    public AddressFamily Family => Address.AddressFamily;

    public bool IsIPv6 => Family == AddressFamily.InterNetworkV6;

    /// <summary>32 or 128.</summary>
    public int HostLength => IsIPv6 ? 128 : 32;

    public bool IsHost => Length == HostLength;

    public bool IsDefault => Length == 0;

    public static RoutePrefix FromNetwork(IPNetwork network) => new(network.BaseAddress, network.PrefixLength);

    /// <summary>The canonical network this prefix lies in.</summary>
    public IPNetwork ToNetwork() => NetworkPrefix.Canonical(Address, Length);

    /// <summary>"10.0.0.2/24" in netip's text (<see cref="IpText"/>), as wg and the config file write addresses;
    /// <see cref="ToString"/> is ip's (inet_ntop's) text, which differs only for IPv4-compatible IPv6 (::a.b.c.d).</summary>
    public string ToNetipString() => $"{IpText.Format(Address)}/{Length}";

    /// <summary>A /32 or /128 for one address.</summary>
    public static RoutePrefix Host(IPAddress address) =>
        new(address, address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32);

    /// <summary>The default route prefix of a family (0.0.0.0/0 or ::/0).</summary>
    public static RoutePrefix Default(AddressFamily family) =>
        family == AddressFamily.InterNetworkV6 ? DefaultIPv6 : DefaultIPv4;

    /// <summary>The same prefix with the bits after <see cref="Length"/> cleared.</summary>
    public RoutePrefix Network
    {
        get
        {
            Span<byte> bytes = stackalloc byte[16];
            Address.TryWriteBytes(bytes, out int written);
            bytes = bytes[..written];
            for (int bit = Length; bit < written * 8; bit++)
            {
                bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
            }
            return new RoutePrefix(new IPAddress(bytes), Length);
        }
    }

    /// <summary>Whether <paramref name="address"/> (same family) lies inside this prefix.</summary>
    public bool Contains(IPAddress address)
    {
        if (address.AddressFamily != Family)
        {
            return false;
        }
        Span<byte> mine = stackalloc byte[16];
        Span<byte> theirs = stackalloc byte[16];
        Address.TryWriteBytes(mine, out _);
        address.TryWriteBytes(theirs, out _);
        int full = Length / 8;
        if (!mine[..full].SequenceEqual(theirs[..full]))
        {
            return false;
        }
        int rest = Length % 8;
        if (rest == 0)
        {
            return true;
        }
        byte mask = (byte)(0xff << (8 - rest));
        return (mine[full] & mask) == (theirs[full] & mask);
    }

    /// <summary>"10.0.0.0/8", "fd00::/64", or a bare address (host prefix); no surrounding whitespace, no zone.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out RoutePrefix prefix)
    {
        prefix = default;
        int slash = text.IndexOf('/');
        ReadOnlySpan<char> addressText = slash < 0 ? text : text[..slash];
        Span<byte> bytes = stackalloc byte[16];
        if (!IpText.TryParse(addressText, bytes, out bool isIPv6, out ReadOnlySpan<char> zone) || !zone.IsEmpty)
        {
            return false;
        }
        int bits = isIPv6 ? 128 : 32;
        int length = bits;
        if (slash >= 0)
        {
            ReadOnlySpan<char> lengthText = text[(slash + 1)..];
            if (lengthText.IsEmpty || lengthText.Length > 3 || (lengthText.Length > 1 && lengthText[0] == '0'))
            {
                return false;
            }
            length = 0;
            foreach (char c in lengthText)
            {
                if (c is < '0' or > '9')
                {
                    return false;
                }
                length = length * 10 + (c - '0');
            }
            if (length > bits)
            {
                return false;
            }
        }
        prefix = new RoutePrefix(new IPAddress(bytes[..(bits / 8)]), length);
        return true;
    }

    public static RoutePrefix Parse(string text)
    {
        if (!TryParse(text, out RoutePrefix prefix))
        {
            ThrowFormat(text);
        }
        return prefix;
    }

    /// <summary>Always "address/length", as <c>ip ... add</c> accepts it.</summary>
    public override string ToString() => $"{Address}/{Length}";

    [DoesNotReturn]
    private static void ThrowFormat(string text) =>
        throw new FormatException($"'{text}' is not an IPv4 or IPv6 prefix (address/length).");
}
