// Thrown when another live daemon already answers on an interface's UAPI socket.
namespace WgSharp.Cli.Uapi;

internal sealed class UapiSocketInUseException : IOException
{
    public UapiSocketInUseException(string socketPath)
        : base($"{socketPath}: socket in use (another daemon is already running for this interface)") =>
        SocketPath = socketPath;

    public string SocketPath { get; }
}
