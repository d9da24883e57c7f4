// Entry point of the wgsharp command.
namespace WgSharp.Cli;

internal static class Program
{
    private static int Main(string[] args) => CommandLine.Run(args);
}
