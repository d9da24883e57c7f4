// Throw helpers for misuse of the conntrack/NAT types (bad options, mismatched families): out of line so
// the hot callers stay small. Hostile packet bytes never reach these; they become drop reasons.
using System.Diagnostics.CodeAnalysis;

namespace WgSharp.Router.Nat;

internal static class NatThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgument(string message, string paramName) => throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ThrowArgumentOutOfRange(string paramName, object? value, string message) =>
        throw new ArgumentOutOfRangeException(paramName, value, message);
}
