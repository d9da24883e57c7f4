// The negative errno values the configuration protocol answers with (wireguard-go ipc/uapi_unix.go
// uses the same numbers, so `wg` prints the same strerror text for either daemon).
namespace WgSharp.Router.Configuration;

public static class ConfigurationErrno
{
    /// <summary>-EIO: reading or writing the request failed.</summary>
    public const int IoError = -5;

    /// <summary>-EINVAL: a value, key or operation the device does not accept.</summary>
    public const int InvalidArgument = -22;

    /// <summary>-ENOANO: an unexpected internal failure (wireguard-go's IpcErrorUnknown).</summary>
    public const int Unknown = -55;

    /// <summary>-EPROTO: a line that is not key=value, or a malformed reply.</summary>
    public const int ProtocolError = -71;

    /// <summary>-EMSGSIZE: a line or a request longer than the server accepts.</summary>
    public const int MessageTooLong = -90;

    /// <summary>-EADDRINUSE: the listen port (or the fwmark on the listening socket) cannot be set.</summary>
    public const int AddressInUse = -98;
}
