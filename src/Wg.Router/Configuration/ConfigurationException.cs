// A refused configuration change or query, carrying the negative errno the UAPI answers with.
namespace WgSharp.Router.Configuration;

public sealed class ConfigurationException : Exception
{
    /// <param name="errno">A negative errno, e.g. <see cref="ConfigurationErrno.InvalidArgument"/>.</param>
    /// <param name="message">What was wrong, for logs. Must never contain key material.</param>
    public ConfigurationException(int errno, string message) : this(errno, message, null) { }

    public ConfigurationException(int errno, string message, Exception? innerException) : base(message, innerException)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(errno, 0);
        Errno = errno;
    }

    /// <summary>The negative errno (wireguard-go convention: -22 is EINVAL, -98 EADDRINUSE, ...).</summary>
    public int Errno { get; }
}
