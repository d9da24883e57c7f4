// A rule's input selector: the local side, one peer, or anything.
namespace WgSharp.Router.Policy;

internal readonly struct PolicyInput<TPeer> : IEquatable<PolicyInput<TPeer>>
    where TPeer : class
{
    private PolicyInput(PolicyInputKind kind, TPeer? peer)
    {
        Kind = kind;
        Peer = peer;
    }

    /// <summary>Packets read from TUN (the default of a rule).</summary>
    public static PolicyInput<TPeer> Local => default;

    public static PolicyInput<TPeer> Any => new(PolicyInputKind.Any, null);

    public static PolicyInput<TPeer> FromPeer(TPeer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return new PolicyInput<TPeer>(PolicyInputKind.Peer, peer);
    }

    public PolicyInputKind Kind { get; }

    /// <summary>The peer when <see cref="Kind"/> is <see cref="PolicyInputKind.Peer"/>.</summary>
    public TPeer? Peer { get; }

    /// <summary>Peers compare by reference: the device's peer objects are the identities.</summary>
    public bool Equals(PolicyInput<TPeer> other) => Kind == other.Kind && ReferenceEquals(Peer, other.Peer);

    public override bool Equals(object? obj) => obj is PolicyInput<TPeer> other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Kind, Peer is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Peer));

    public static bool operator ==(PolicyInput<TPeer> left, PolicyInput<TPeer> right) => left.Equals(right);

    public static bool operator !=(PolicyInput<TPeer> left, PolicyInput<TPeer> right) => !left.Equals(right);

    public override string ToString() => Kind switch
    {
        PolicyInputKind.Local => "tun",
        PolicyInputKind.Any => "any",
        _ => Peer!.ToString() ?? "peer",
    };
}
