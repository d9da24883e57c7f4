// A WireGuard peer's UDP endpoint as a value: the remote address and port plus the sticky local source.
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace WgSharp.Tun;

/// <summary>
/// The remote IPv4/IPv6 address (16 inline bytes), port and IPv6 scope id of a peer, plus the local address and
/// interface index that the last datagram from it arrived on (IP_PKTINFO / IPV6_PKTINFO, ip(7), ipv6(7)).
/// Replies are sent from that source ("sticky sockets", as kernel WireGuard and wireguard-go do) so they leave
/// from the address the peer talked to. Equality and hashing cover only the remote part.
/// No heap allocation: copy it freely. The default value is the empty endpoint.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly partial struct UdpEndpoint : IEquatable<UdpEndpoint>
{
    private const byte NoFamily = 0;
    private const byte FamilyV4 = 4;
    private const byte FamilyV6 = 6;

    private readonly Inline16 _address;
    private readonly Inline16 _source;
    private readonly uint _scopeId;
    private readonly int _sourceIfIndex;
    private readonly ushort _port;
    private readonly byte _family;
    private readonly bool _hasSource;

    private UdpEndpoint(byte family, ReadOnlySpan<byte> address, ushort port, uint scopeId,
        bool hasSource, ReadOnlySpan<byte> source, int sourceIfIndex)
    {
        Inline16 remote = default;
        address.CopyTo(remote);
        Inline16 local = default;
        if (hasSource)
        {
            source.CopyTo(local);
        }
        _address = remote;
        _source = local;
        _family = family;
        _port = port;
        _scopeId = family == FamilyV6 ? scopeId : 0;
        _hasSource = hasSource;
        _sourceIfIndex = hasSource ? sourceIfIndex : 0;
    }

    public static UdpEndpoint FromIPv4(ReadOnlySpan<byte> address, ushort port)
    {
        if (address.Length != 4)
        {
            ThrowHelper.ThrowArgument("An IPv4 address has 4 bytes.", nameof(address));
        }
        return new UdpEndpoint(FamilyV4, address, port, 0, false, default, 0);
    }

    public static UdpEndpoint FromIPv6(ReadOnlySpan<byte> address, ushort port, uint scopeId = 0)
    {
        if (address.Length != 16)
        {
            ThrowHelper.ThrowArgument("An IPv6 address has 16 bytes.", nameof(address));
        }
        return new UdpEndpoint(FamilyV6, address, port, scopeId, false, default, 0);
    }

    /// <summary>For the control plane. The family is kept as given: an IPv4-mapped IPv6 address stays IPv6.</summary>
    public static UdpEndpoint FromIPEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Span<byte> bytes = stackalloc byte[16];
        if (!endPoint.Address.TryWriteBytes(bytes, out int written))
        {
            ThrowHelper.ThrowArgument("Unsupported address.", nameof(endPoint));
        }
        return endPoint.AddressFamily == AddressFamily.InterNetwork
            ? FromIPv4(bytes[..written], (ushort)endPoint.Port)
            : FromIPv6(bytes[..written], (ushort)endPoint.Port, (uint)endPoint.Address.ScopeId);
    }

    public bool IsEmpty => _family == NoFamily;

    /// <summary>InterNetwork, InterNetworkV6, or Unspecified for the empty endpoint.</summary>
    public AddressFamily Family => _family switch
    {
        FamilyV4 => AddressFamily.InterNetwork,
        FamilyV6 => AddressFamily.InterNetworkV6,
        _ => AddressFamily.Unspecified,
    };

    public ushort Port => _port;

    /// <summary>The IPv6 scope (interface index) for link-local peers; 0 otherwise.</summary>
    public uint ScopeId => _scopeId;

    /// <summary>True for an IPv6 endpoint of the form ::ffff:a.b.c.d.</summary>
    public bool IsIPv4MappedIPv6
    {
        get
        {
            ReadOnlySpan<byte> a = _address;
            return _family == FamilyV6 && a[..10].IndexOfAnyExcept((byte)0) < 0 && a[10] == 0xff && a[11] == 0xff;
        }
    }

    /// <summary>Whether a sticky local source was learned.</summary>
    public bool HasSource => _hasSource;

    /// <summary>The interface the last datagram arrived on; 0 when no source was learned.</summary>
    public int SourceInterfaceIndex => _sourceIfIndex;

    /// <summary>Copies the remote address (4 or 16 bytes) and returns its length; 0 for the empty endpoint.</summary>
    public int CopyAddressTo(Span<byte> destination)
    {
        int length = AddressLength;
        ReadOnlySpan<byte> a = _address;
        a[..length].CopyTo(destination);
        return length;
    }

    /// <summary>Copies the sticky local address (same family as the remote) and returns its length; 0 if none.</summary>
    public int CopySourceAddressTo(Span<byte> destination)
    {
        if (!_hasSource)
        {
            return 0;
        }
        int length = AddressLength;
        ReadOnlySpan<byte> s = _source;
        s[..length].CopyTo(destination);
        return length;
    }

    /// <summary>The remote address as an object, for the control plane.</summary>
    public IPAddress Address
    {
        get
        {
            ReadOnlySpan<byte> a = _address;
            return _family switch
            {
                FamilyV4 => new IPAddress(a[..4]),
                FamilyV6 => new IPAddress(a, _scopeId),
                _ => IPAddress.None,
            };
        }
    }

    /// <summary>The sticky local address as an object, or null when none was learned.</summary>
    public IPAddress? SourceAddress
    {
        get
        {
            ReadOnlySpan<byte> s = _source;
            return _hasSource ? new IPAddress(s[..AddressLength]) : null;
        }
    }

    private int AddressLength => _family switch
    {
        FamilyV4 => 4,
        FamilyV6 => 16,
        _ => 0,
    };

    /// <summary>The same remote with a learned local source (4 bytes for IPv4 endpoints, 16 for IPv6).</summary>
    public UdpEndpoint WithSource(ReadOnlySpan<byte> sourceAddress, int interfaceIndex)
    {
        if (sourceAddress.Length != AddressLength || IsEmpty)
        {
            ThrowHelper.ThrowArgument("The source address must have the endpoint's family.", nameof(sourceAddress));
        }
        ReadOnlySpan<byte> a = _address;
        return new UdpEndpoint(_family, a, _port, _scopeId, true, sourceAddress, interfaceIndex);
    }

    /// <summary>The same remote with the sticky source forgotten (wireguard-go ClearSrc).</summary>
    public UdpEndpoint WithoutSource()
    {
        ReadOnlySpan<byte> a = _address;
        return new UdpEndpoint(_family, a, _port, _scopeId, false, default, 0);
    }

    public IPEndPoint ToIPEndPoint() => new(Address, _port);

    public bool Equals(UdpEndpoint other)
    {
        ReadOnlySpan<byte> a = _address;
        ReadOnlySpan<byte> b = other._address;
        return _family == other._family && _port == other._port && _scopeId == other._scopeId && a.SequenceEqual(b);
    }

    public override bool Equals(object? obj) => obj is UdpEndpoint other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        ReadOnlySpan<byte> a = _address;
        hash.AddBytes(a);
        hash.Add(_port);
        hash.Add(_family);
        hash.Add(_scopeId);
        return hash.ToHashCode();
    }

    public static bool operator ==(UdpEndpoint left, UdpEndpoint right) => left.Equals(right);

    public static bool operator !=(UdpEndpoint left, UdpEndpoint right) => !left.Equals(right);
}
