// Throw helpers for caller mistakes (wrong buffer sizes, bad arguments): keeps throw sites out of hot loops.
using System.Diagnostics.CodeAnalysis;

namespace WgSharp.Tun;

internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgument(string message, string parameterName) =>
        throw new ArgumentException(message, parameterName);

    [DoesNotReturn]
    public static void ThrowArgumentOutOfRange(string parameterName, string message) =>
        throw new ArgumentOutOfRangeException(parameterName, message);

    [DoesNotReturn]
    public static void ThrowInvalidOperation(string message) =>
        throw new InvalidOperationException(message);
}
