// The fuzzing entry point: `Wg.Fuzz <target>` runs one target under AFL++ (SharpFuzz's in-process
// persistent loop, or a single run of standard input without AFL); `Wg.Fuzz <target> <file|dir>...`
// replays inputs through it (crash reproduction and the CI smoke pass); `Wg.Fuzz list` names the targets.
using SharpFuzz;
using WgSharp.Fuzz;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: Wg.Fuzz list | <target> [<input file or directory>...]");
    return 2;
}

if (args[0] == "list")
{
    foreach (string name in FuzzTargets.Names)
    {
        Console.WriteLine(name);
    }
    return 0;
}

if (!FuzzTargets.TryFind(args[0], out Func<IFuzzTarget>? create))
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; targets: {string.Join(", ", FuzzTargets.Names)}");
    return 2;
}

if (args.Length == 1)
{
    IFuzzTarget? target = null;
    Fuzzer.Run(stream =>
    {
        target ??= create();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        target.Run(copy.GetBuffer().AsSpan(0, (int)copy.Length));
    });
    return 0;
}

return Replay.Run(create(), args[1..]);
