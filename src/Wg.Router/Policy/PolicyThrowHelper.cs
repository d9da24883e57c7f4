// Throw helpers for misuse of the policy types (an inconsistent rule, a bad MSS setting): out of line so
// the callers stay small. Packets never reach these.
using System.Diagnostics.CodeAnalysis;

namespace WgSharp.Router.Policy;

internal static class PolicyThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgument(string message, string paramName) =>
        throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ThrowArgumentOutOfRange(string paramName, object actualValue, string message) =>
        throw new ArgumentOutOfRangeException(paramName, actualValue, message);
}
