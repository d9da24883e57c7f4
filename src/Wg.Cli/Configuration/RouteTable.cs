// The [Interface] Table value: auto, off, or a routing table by number or rt_tables name.
namespace WgSharp.Cli.Configuration;

/// <param name="Mode">auto, off, or a specific table.</param>
/// <param name="Id">The table number when <paramref name="Mode"/> is <see cref="RouteTableMode.Table"/>; otherwise 0.</param>
/// <param name="Text">As written in the file (a name stays a name when the file is written back).</param>
internal readonly record struct RouteTable(RouteTableMode Mode, uint Id, string Text)
{
    public static RouteTable Auto => new(RouteTableMode.Auto, 0, "auto");

    public static RouteTable Off => new(RouteTableMode.Off, 0, "off");

    public override string ToString() => Text;
}
