// Entry point of the wgsharp command.
using WgSharp.Cli.Commands;

namespace WgSharp.Cli;

internal static class Program
{
    // EPIPE: the reader of our output went away (`wgsharp show | head -1`). .NET ignores SIGPIPE, so the
    // write fails instead of killing us; stop quietly with the status a SIGPIPE death would give.
    private const int BrokenPipe = 32;
    private const int KilledBySigpipe = 128 + 13;

    private static int Main(string[] args)
    {
        try
        {
            return CommandLine.Run(args);
        }
        catch (IOException e) when (e.HResult == BrokenPipe)
        {
            return KilledBySigpipe;
        }
    }
}
