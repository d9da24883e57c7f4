// Which datagram a fragment belongs to (RFC 791 3.2: source, destination, protocol and identification; RFC 8200 4.5
// the same with the 32-bit identification), and at which NAT pass it was seen.
using System.Runtime.InteropServices;

namespace WgSharp.Router.Nat;

[StructLayout(LayoutKind.Auto)]
internal readonly struct FragmentKey : IEquatable<FragmentKey>
{
    public FragmentKey(FragmentPass pass, in FlowTuple addresses, uint identification)
    {
        Pass = pass;
        Addresses = addresses;
        Identification = identification;
    }

    /// <summary>
    /// Which translation the train belongs to: a datagram delivered to the TUN and forwarded back out by the kernel
    /// passes the NAT twice with the same header, once each way.
    /// </summary>
    public FragmentPass Pass { get; }

    /// <summary>Protocol and the two addresses as the fragment arrived (ports 0).</summary>
    public FlowTuple Addresses { get; }

    public uint Identification { get; }

    /// <summary>The key of a parsed fragment (first or later) of <paramref name="packet"/>, before any rewrite.</summary>
    public static FragmentKey Of(FragmentPass pass, ReadOnlySpan<byte> packet, in NatPacket parsed) =>
        new(pass, AddressesOf(packet, parsed), parsed.Fragment.Identification);

    /// <summary>The protocol and addresses <paramref name="packet"/> carries now, ports 0.</summary>
    public static FlowTuple AddressesOf(ReadOnlySpan<byte> packet, in NatPacket parsed) => FlowTuple.FromAddressBytes(
        parsed.Tuple.Protocol, packet.Slice(parsed.SourceOffset, parsed.AddressLength), 0, packet.Slice(parsed.DestinationOffset, parsed.AddressLength), 0);

    public FragmentKey WithPass(FragmentPass pass) => new(pass, Addresses, Identification);

    public bool Equals(FragmentKey other) => Pass == other.Pass && Identification == other.Identification && Addresses.Equals(other.Addresses);

    public override bool Equals(object? obj) => obj is FragmentKey other && Equals(other);

    // HashCode is seeded per process, so a peer cannot aim fragments at one bucket.
    public override int GetHashCode() => HashCode.Combine(Addresses, Identification, Pass);

    public static bool operator ==(FragmentKey left, FragmentKey right) => left.Equals(right);

    public static bool operator !=(FragmentKey left, FragmentKey right) => !left.Equals(right);

    public override string ToString() => $"{Pass} {Addresses} id {Identification}";
}

