// `wgsharp showconf <interface>`: the running configuration as a configuration file, exactly as
// `wg showconf` prints it (with the private key: redirect it only to a file others cannot read).
using WgSharp.Cli.Presentation;

namespace WgSharp.Cli.Commands;

internal static class ShowConfCommand
{
    public const string Arguments = "<interface>";

    public static int Run(CliContext context, string[] args) => Run(context, args, ShowOptions.FromProcess());

    internal static int Run(CliContext context, string[] args, ShowOptions options)
    {
        if (args.Length != 1)
        {
            context.Error.WriteLine($"Usage: wgsharp showconf {Arguments}");
            return 1;
        }

        if (!ShowCommand.TryRead(args[0], options, out ShownDevice? device, out string? error))
        {
            context.Error.WriteLine("Unable to access interface: " + error);
            return 1;
        }

        using var writer = new ShowWriter();
        using (device!.Snapshot)
        {
            ConfPrinter.Write(writer, device.Snapshot);
        }

        writer.FlushTo(context.Output);
        return 0;
    }
}
