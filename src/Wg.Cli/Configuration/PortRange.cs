// A port or an inclusive port range ("25", "8000-8100") as [Rule] Port/SourcePort and [Forward] Port take it.
namespace WgSharp.Cli.Configuration;

internal readonly record struct PortRange(ushort First, ushort Last)
{
    public bool IsSinglePort => First == Last;

    public bool Contains(ushort port) => port >= First && port <= Last;

    public bool Overlaps(PortRange other) => First <= other.Last && other.First <= Last;

    public override string ToString() => IsSinglePort ? $"{First}" : $"{First}-{Last}";
}
