// Readiness for systemd's Type=notify services (sd_notify(3)): one datagram, "READY=1", to the
// AF_UNIX socket named by NOTIFY_SOCKET. Without that variable (not started by systemd) it does nothing.
using System.Net.Sockets;
using System.Text;

namespace WgSharp.Cli.Daemon;

internal static class SystemdNotifier
{
    public const string Variable = "NOTIFY_SOCKET";

    /// <summary>Tells the service manager the service is up. Best effort: a failure to tell must not stop it.</summary>
    public static bool NotifyReady() => Notify("READY=1", Environment.GetEnvironmentVariable(Variable));

    /// <summary>Sends <paramref name="state"/> (newline-separated assignments) to <paramref name="socketPath"/>:
    /// a path, or an abstract socket when it starts with '@' (sd_notify(3)).</summary>
    internal static bool Notify(string state, string? socketPath)
    {
        if (string.IsNullOrEmpty(socketPath) || socketPath[0] is not ('/' or '@'))
        {
            return false;
        }

        // UnixDomainSocketEndPoint takes an abstract name with a leading NUL.
        string address = socketPath[0] == '@' ? "\0" + socketPath[1..] : socketPath;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(address));
            socket.Send(Encoding.UTF8.GetBytes(state));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
