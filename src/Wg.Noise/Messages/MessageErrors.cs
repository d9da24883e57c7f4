// Throw helpers for misuse of the Noise building blocks (buffer too small, address of the wrong length); hostile
// input never reaches them, parsers return false instead.
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace WgSharp.Noise.Messages;

internal static class MessageErrors
{
    /// <summary>Throws because <paramref name="paramName"/> holds fewer than <paramref name="required"/> bytes.</summary>
    [DoesNotReturn]
    [StackTraceHidden]
    public static void BufferTooSmall(string paramName, int required, int actual) =>
        throw new ArgumentException(
            $"The buffer must hold at least {required} bytes but holds {actual}.", paramName);

    /// <summary>Throws because an IP address given as bytes is neither 4 (IPv4) nor 16 (IPv6) bytes long.</summary>
    [DoesNotReturn]
    [StackTraceHidden]
    public static void AddressLength(string paramName, int actual) =>
        throw new ArgumentException($"An IP address is 4 or 16 bytes long, not {actual}.", paramName);
}
