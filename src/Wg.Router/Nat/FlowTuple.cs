// The identity of one direction of a flow as conntrack keys it: family, protocol, source and destination
// address and port (ICMP echo: the identifier stands in for a port), compared and hashed without allocation.
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Nat;

/// <summary>
/// A 40-byte value: the addresses as the big-endian words of <see cref="IpAddressKey"/> and one word
/// packing ports, protocol and family, so equality is five 64-bit compares.
/// </summary>
/// <remarks>
/// ICMP echo (RFC 792, RFC 4443 4.1) has one identifier shared by request and reply. A request
/// carries it as the source "port" (destination port 0) and a reply as the destination "port"
/// (source port 0), so the reply to a request has exactly the inverted tuple, as for TCP and UDP.
/// Protocols without ports (GRE, ESP, ...) have both ports 0.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public readonly struct FlowTuple : IEquatable<FlowTuple>
{
    private readonly ulong _sourceHigh;
    private readonly ulong _sourceLow;
    private readonly ulong _destinationHigh;
    private readonly ulong _destinationLow;
    // Bits 0..15 source port, 16..31 destination port, 32..39 protocol, 40..47 family.
    private readonly ulong _meta;

    private FlowTuple(ulong sourceHigh, ulong sourceLow, ulong destinationHigh, ulong destinationLow, ulong meta)
    {
        _sourceHigh = sourceHigh;
        _sourceLow = sourceLow;
        _destinationHigh = destinationHigh;
        _destinationLow = destinationLow;
        _meta = meta;
    }

    /// <summary>Builds a tuple; both addresses must be of one family (else <see cref="ArgumentException"/>).</summary>
    public FlowTuple(byte protocol, IpAddressKey source, ushort sourcePort, IpAddressKey destination, ushort destinationPort)
    {
        if (source.Family == IpFamily.Unspecified || source.Family != destination.Family)
        {
            NatThrowHelper.ThrowArgument("Both addresses must be IPv4 or both IPv6.", nameof(destination));
        }
        _sourceHigh = source.High;
        _sourceLow = source.Low;
        _destinationHigh = destination.High;
        _destinationLow = destination.Low;
        _meta = Meta(source.Family, protocol, sourcePort, destinationPort);
    }

    public IpFamily Family => (IpFamily)(byte)(_meta >> 40);

    public byte Protocol => (byte)(_meta >> 32);

    public ushort SourcePort => (ushort)_meta;

    public ushort DestinationPort => (ushort)(_meta >> 16);

    /// <summary>The source address (<c>default</c> for an empty tuple).</summary>
    public IpAddressKey Source => IsEmpty ? default : new(Family, _sourceHigh, _sourceLow);

    /// <summary>The destination address (<c>default</c> for an empty tuple).</summary>
    public IpAddressKey Destination => IsEmpty ? default : new(Family, _destinationHigh, _destinationLow);

    /// <summary>True for <c>default(FlowTuple)</c> (no family), which no packet produces.</summary>
    public bool IsEmpty => (_meta >> 40) == 0;

    /// <summary>The tuple of a packet going the other way: addresses and ports swapped.</summary>
    public FlowTuple Invert() => new(
        _destinationHigh, _destinationLow, _sourceHigh, _sourceLow,
        (_meta & 0xFFFF_FFFF_0000_0000UL) | ((_meta >> 16) & 0xFFFF) | ((_meta & 0xFFFF) << 16));

    /// <summary>This tuple with another source address and port.</summary>
    public FlowTuple WithSource(IpAddressKey address, ushort port)
    {
        CheckFamily(address);
        return new(address.High, address.Low, _destinationHigh, _destinationLow, (_meta & ~0xFFFFUL) | port);
    }

    /// <summary>This tuple with another destination address and port.</summary>
    public FlowTuple WithDestination(IpAddressKey address, ushort port)
    {
        CheckFamily(address);
        return new(_sourceHigh, _sourceLow, address.High, address.Low, (_meta & ~0xFFFF_0000UL) | ((ulong)port << 16));
    }

    /// <summary>This tuple with another destination port (what NAT port allocation varies in a reply tuple).</summary>
    public FlowTuple WithDestinationPort(ushort port) =>
        new(_sourceHigh, _sourceLow, _destinationHigh, _destinationLow, (_meta & ~0xFFFF_0000UL) | ((ulong)port << 16));

    /// <summary>True when the source addresses are equal (ports ignored).</summary>
    public bool SourceAddressEquals(in FlowTuple other) => _sourceHigh == other._sourceHigh && _sourceLow == other._sourceLow;

    /// <summary>True when the destination addresses are equal (ports ignored).</summary>
    public bool DestinationAddressEquals(in FlowTuple other) =>
        _destinationHigh == other._destinationHigh && _destinationLow == other._destinationLow;

    /// <summary>Writes the source address's 4 or 16 network-order bytes; returns the count.</summary>
    public int WriteSource(Span<byte> destination) => WriteAddress(_sourceHigh, _sourceLow, destination);

    /// <summary>Writes the destination address's 4 or 16 network-order bytes; returns the count.</summary>
    public int WriteDestination(Span<byte> destination) => WriteAddress(_destinationHigh, _destinationLow, destination);

    /// <summary>
    /// A tuple from raw packet fields. <paramref name="source"/> and <paramref name="destination"/> are
    /// 4 or 16 bytes (family from the length), else <see cref="ArgumentException"/>.
    /// </summary>
    public static FlowTuple FromAddressBytes(
        byte protocol, ReadOnlySpan<byte> source, ushort sourcePort, ReadOnlySpan<byte> destination, ushort destinationPort)
    {
        if (source.Length == IpAddressKey.V4Length && destination.Length == IpAddressKey.V4Length)
        {
            return new FlowTuple(
                (ulong)BinaryPrimitives.ReadUInt32BigEndian(source) << 32, 0,
                (ulong)BinaryPrimitives.ReadUInt32BigEndian(destination) << 32, 0,
                Meta(IpFamily.V4, protocol, sourcePort, destinationPort));
        }
        if (source.Length == IpAddressKey.V6Length && destination.Length == IpAddressKey.V6Length)
        {
            return new FlowTuple(
                BinaryPrimitives.ReadUInt64BigEndian(source), BinaryPrimitives.ReadUInt64BigEndian(source[8..]),
                BinaryPrimitives.ReadUInt64BigEndian(destination), BinaryPrimitives.ReadUInt64BigEndian(destination[8..]),
                Meta(IpFamily.V6, protocol, sourcePort, destinationPort));
        }
        NatThrowHelper.ThrowArgument("Addresses must both be 4 or both 16 bytes.", nameof(destination));
        return default;
    }

    /// <summary>
    /// A keyed 64-bit hash (two multiply-fold rounds, as wyhash mixes): the seed is random per table, so
    /// a peer choosing ports cannot aim its flows at one bucket.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Hash(ulong seed0, ulong seed1)
    {
        ulong a = MultiplyFold(_sourceHigh ^ seed0, _destinationHigh ^ seed1);
        ulong b = MultiplyFold(_sourceLow ^ seed1, _destinationLow ^ seed0);
        return MultiplyFold(a ^ _meta, b ^ 0x9E37_79B9_7F4A_7C15UL ^ seed0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MultiplyFold(ulong a, ulong b)
    {
        ulong high = Math.BigMul(a, b, out ulong low);
        return high ^ low;
    }

    public bool Equals(FlowTuple other) =>
        _sourceHigh == other._sourceHigh && _destinationHigh == other._destinationHigh && _meta == other._meta
        && _sourceLow == other._sourceLow && _destinationLow == other._destinationLow;

    public override bool Equals(object? obj) => obj is FlowTuple other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_sourceHigh, _sourceLow, _destinationHigh, _destinationLow, _meta);

    public static bool operator ==(FlowTuple left, FlowTuple right) => left.Equals(right);

    public static bool operator !=(FlowTuple left, FlowTuple right) => !left.Equals(right);

    /// <summary>"tcp 10.0.0.1:40000 -> 192.0.2.1:443" (IPv6 addresses in brackets); for `wgsharp show` and test messages.</summary>
    public override string ToString()
    {
        string protocol = Protocol switch
        {
            IpProtocol.Tcp => "tcp",
            IpProtocol.Udp => "udp",
            IpProtocol.Icmp => "icmp",
            IpProtocol.IcmpV6 => "icmpv6",
            _ => Protocol.ToString(CultureInfo.InvariantCulture),
        };
        return Family == IpFamily.V6
            ? string.Create(CultureInfo.InvariantCulture, $"{protocol} [{Source}]:{SourcePort} -> [{Destination}]:{DestinationPort}")
            : string.Create(CultureInfo.InvariantCulture, $"{protocol} {Source}:{SourcePort} -> {Destination}:{DestinationPort}");
    }

    private static ulong Meta(IpFamily family, byte protocol, ushort sourcePort, ushort destinationPort) =>
        ((ulong)(byte)family << 40) | ((ulong)protocol << 32) | ((ulong)destinationPort << 16) | sourcePort;

    private void CheckFamily(IpAddressKey address)
    {
        if (address.Family != Family)
        {
            NatThrowHelper.ThrowArgument("The address is of another family than the tuple.", nameof(address));
        }
    }

    private int WriteAddress(ulong high, ulong low, Span<byte> destination)
    {
        if (Family == IpFamily.V4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(high >> 32));
            return IpAddressKey.V4Length;
        }
        BinaryPrimitives.WriteUInt64BigEndian(destination, high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], low);
        return IpAddressKey.V6Length;
    }
}
