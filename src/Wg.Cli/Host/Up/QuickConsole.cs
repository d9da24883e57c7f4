// What `up` and `down` tell the user, on standard error as wg-quick does: "[#] command" before each
// action (for netlink requests, the `ip` command that would do the same), "[!] ..." for warnings and
// "[+] ..." for what was decided.
namespace WgSharp.Cli.Host;

internal sealed class QuickConsole
{
    private readonly TextWriter _output;

    public QuickConsole(TextWriter output) => _output = output;

    public void Command(string command) => Write("[#] " + command);

    public void Warning(string text) => Write("[!] " + text);

    public void Note(string text) => Write("[+] " + text);

    /// <summary>A line of its own ("wgsharp: ..." errors, the world-accessible warning).</summary>
    public void Line(string text) => Write(text);

    private void Write(string line)
    {
        _output.WriteLine(line);
        _output.Flush();
    }
}
