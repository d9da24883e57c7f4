// A failure of `up` or `down` with a message for the user (already worded; printed after "wgsharp: ").
namespace WgSharp.Cli.Host;

internal sealed class QuickException : Exception
{
    public QuickException(string message) : base(message) { }

    public QuickException(string message, Exception inner) : base(message, inner) { }
}
