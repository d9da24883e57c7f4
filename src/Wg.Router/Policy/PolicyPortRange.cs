// An inclusive port range a rule matches (a single port is First == Last).
namespace WgSharp.Router.Policy;

internal readonly record struct PolicyPortRange(ushort First, ushort Last)
{
    public static PolicyPortRange Single(ushort port) => new(port, port);

    public bool Contains(ushort port) => port >= First && port <= Last;

    public override string ToString() => First == Last ? $"{First}" : $"{First}-{Last}";
}
