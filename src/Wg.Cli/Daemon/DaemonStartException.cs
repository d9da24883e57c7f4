// A daemon that could not start, with a message the user can act on.
namespace WgSharp.Cli.Daemon;

internal sealed class DaemonStartException(string message) : Exception(message);
