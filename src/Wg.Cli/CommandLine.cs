// Dispatches wgsharp's sub-commands.
namespace WgSharp.Cli;

internal static class CommandLine
{
    public static int Run(string[] args)
    {
        if (args is ["demo"])
        {
            return Demo.EngineDemo.Run(Console.Out);
        }

        Console.Error.WriteLine("wgsharp: no command yet");
        return 1;
    }
}
