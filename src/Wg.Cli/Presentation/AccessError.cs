// Why an interface's socket could not be read or written, in strerror's words as wg prints them
// ("Unable to access interface: No such device").
using System.Net.Sockets;
using System.Runtime.InteropServices;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Presentation;

internal static class AccessError
{
    /// <summary>True for the exceptions talking to a daemon can end in (see <see cref="Describe"/>).</summary>
    public static bool IsAccessFailure(Exception e) =>
        e is SocketException or IOException or ConfigurationException or ArgumentException or UnauthorizedAccessException;

    public static string Describe(Exception e) => e switch
    {
        // A missing socket (ENOENT comes back as EADDRNOTAVAIL): no such interface, in wg's words.
        SocketException { SocketErrorCode: SocketError.AddressNotAvailable } => Marshal.GetPInvokeErrorMessage(19), // ENODEV
        SocketException socket => Marshal.GetPInvokeErrorMessage(socket.NativeErrorCode),
        ConfigurationException configuration => Marshal.GetPInvokeErrorMessage(-configuration.Errno),
        ArgumentException => Marshal.GetPInvokeErrorMessage(22), // EINVAL: not an interface name
        _ => e.Message,
    };
}
