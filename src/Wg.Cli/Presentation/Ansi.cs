// The ANSI escape sequences `wg show` colors its output with (wireguard-tools terminal.h), used by
// ShowWriter only when colors are on.
namespace WgSharp.Cli.Presentation;

internal static class Ansi
{
    public const string Reset = "\x1b[0m";
    public const string Bold = "\x1b[1m";
    public const string Red = "\x1b[31m";
    public const string Green = "\x1b[32m";
    public const string Yellow = "\x1b[33m";
    public const string Cyan = "\x1b[36m";
}
