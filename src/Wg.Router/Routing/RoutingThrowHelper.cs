// Throw helpers for misuse of the routing types (wrong address length, bad prefix length):
// kept out of line so the hot callers stay small and can be inlined.
using System.Diagnostics.CodeAnalysis;

namespace WgSharp.Router.Routing;

internal static class RoutingThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgument(string message, string paramName) =>
        throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ThrowArgumentOutOfRange(string paramName, object? actual, string message) =>
        throw new ArgumentOutOfRangeException(paramName, actual, message);

    [DoesNotReturn]
    public static void ThrowFormat(string message) => throw new FormatException(message);

    [DoesNotReturn]
    public static void ThrowInvalidOperation(string message) => throw new InvalidOperationException(message);

    [DoesNotReturn]
    public static void ThrowDestinationTooSmall(string paramName) =>
        throw new ArgumentException("Destination buffer is too small.", paramName);
}
