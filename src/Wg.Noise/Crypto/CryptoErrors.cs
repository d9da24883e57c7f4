// Throw helpers for misuse of the crypto layer (a caller bug, never hostile input).
using System.Diagnostics.CodeAnalysis;

namespace WgSharp.Noise.Crypto;

internal static class CryptoErrors
{
    [DoesNotReturn]
    public static void ThrowDestinationTooSmall() =>
        throw new ArgumentException("The destination buffer is too small.");

    [DoesNotReturn]
    public static void ThrowArgumentOutOfRange(string name) =>
        throw new ArgumentOutOfRangeException(name);

    [DoesNotReturn]
    public static void ThrowBadLength(string name, int expected) =>
        throw new ArgumentException($"{name} must be exactly {expected} bytes.", name);
}
