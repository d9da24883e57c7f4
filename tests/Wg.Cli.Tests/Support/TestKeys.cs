// Deterministic keys for tests (never used outside them).
using WgSharp.Noise.Keys;

namespace WgSharp.Cli.Tests.Support;

internal static class TestKeys
{
    /// <summary>A distinct 32-byte pattern per seed.</summary>
    public static byte[] Bytes(int seed)
    {
        byte[] bytes = new byte[32];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((seed * 31) + (i * 7) + 1);
        }

        return bytes;
    }

    public static PublicKey Public(int seed) => new(Bytes(seed + 1000));

    public static byte[] Private(int seed)
    {
        byte[] bytes = Bytes(seed);
        bytes[0] &= 248;
        bytes[31] = (byte)((bytes[31] & 127) | 64);
        return bytes;
    }

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
