// Throw helpers for misuse of the packet types (a caller buffer too small, a wrong address length):
// out of line so the hot callers stay small. Hostile packet bytes never reach these.
using System.Diagnostics.CodeAnalysis;

namespace WgSharp.Router.Packets;

internal static class PacketThrowHelper
{
    [DoesNotReturn]
    public static void ThrowDestinationTooSmall(string paramName, int required, int actual) =>
        throw new ArgumentException($"Destination buffer is too small: {required} bytes needed, {actual} given.", paramName);

    [DoesNotReturn]
    public static void ThrowAddressLength(string paramName) =>
        throw new ArgumentException("An address must be 4 (IPv4) or 16 (IPv6) bytes, matching the packet's family.", paramName);

    [DoesNotReturn]
    public static void ThrowArgument(string message, string paramName) =>
        throw new ArgumentException(message, paramName);
}
