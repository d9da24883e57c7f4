// Runs saved inputs through a target outside AFL: every file named, and every file in a directory named.
// Prints one line per failing input and a count; exits 1 when any input broke an invariant or threw.
namespace WgSharp.Fuzz;

internal static class Replay
{
    public static int Run(IFuzzTarget target, string[] paths)
    {
        int ran = 0, failed = 0;
        foreach (string path in paths)
        {
            IEnumerable<string> files = Directory.Exists(path)
                ? Directory.EnumerateFiles(path).Order(StringComparer.Ordinal)
                : [path];
            foreach (string file in files)
            {
                ran++;
                try
                {
                    target.Run(File.ReadAllBytes(file));
                }
                catch (Exception e)
                {
                    failed++;
                    Console.WriteLine($"FAIL {file}: {e.GetType().Name}: {e.Message}");
                    Console.WriteLine(e.StackTrace);
                }
            }
        }
        Console.WriteLine($"{ran} inputs, {failed} failed");
        return failed == 0 && ran > 0 ? 0 : 1;
    }
}
