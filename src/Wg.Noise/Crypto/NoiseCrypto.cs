// The primitives of the WireGuard whitepaper §5.4 under their spec names: HASH, MAC, HMAC,
// KDF1/KDF2/KDF3, DH, and the MixHash/MixKey steps of Noise. Everything is 32 bytes unless noted.
using WgSharp.Noise.Interop;

namespace WgSharp.Noise.Crypto;

internal static unsafe class NoiseCrypto
{
    public const int HashSize = 32;
    public const int KeySize = 32;
    public const int MacSize = 16;

    /// <summary>HASH(input) = BLAKE2s(input, 32).</summary>
    public static void Hash(ReadOnlySpan<byte> input, Span<byte> output) =>
        Blake2s.Hash(input, output[..HashSize]);

    /// <summary>HASH(a || b), the shape of every chaining-hash step.</summary>
    public static void Hash(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> output)
    {
        var state = new Blake2s(HashSize);
        state.Update(a);
        state.Update(b);
        state.Finish(output);
    }

    /// <summary>MAC(key, input) = Keyed-BLAKE2s(key, input, 16).</summary>
    public static void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output) =>
        Blake2s.Hash(input, output[..MacSize], key);

    /// <summary>HMAC(key, input) = HMAC-BLAKE2s(key, input, 32) as in RFC 2104 with a 64-byte block.</summary>
    public static void Hmac(scoped ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        Span<byte> pad = stackalloc byte[Blake2s.BlockSize];
        Span<byte> inner = stackalloc byte[HashSize];
        Span<byte> hashedKey = stackalloc byte[HashSize];
        if (key.Length > Blake2s.BlockSize)
        {
            // RFC 2104 §2: a key longer than the block is hashed first (WireGuard's own keys are 32 bytes).
            Hash(key, hashedKey);
            key = hashedKey;
        }

        pad.Fill(0x36);
        for (int i = 0; i < key.Length; i++)
        {
            pad[i] ^= key[i];
        }

        var state = new Blake2s(HashSize);
        state.Update(pad);
        state.Update(input);
        state.Finish(inner);

        pad.Fill(0x5c);
        for (int i = 0; i < key.Length; i++)
        {
            pad[i] ^= key[i];
        }

        state = new Blake2s(HashSize);
        state.Update(pad);
        state.Update(inner);
        state.Finish(output);

        pad.Clear();
        inner.Clear();
        hashedKey.Clear();
    }

    /// <summary>KDF1(key, input) = τ1 (whitepaper §5.4: HKDF with HMAC-BLAKE2s).</summary>
    public static void Kdf1(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> t1) =>
        Kdf(key, input, t1, default, default);

    /// <summary>KDF2(key, input) = (τ1, τ2).</summary>
    public static void Kdf2(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> t1, Span<byte> t2) =>
        Kdf(key, input, t1, t2, default);

    /// <summary>KDF3(key, input) = (τ1, τ2, τ3).</summary>
    public static void Kdf3(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> t1, Span<byte> t2, Span<byte> t3) =>
        Kdf(key, input, t1, t2, t3);

    // τ0 = HMAC(key, input); τ1 = HMAC(τ0, 0x1); τi = HMAC(τ0, τ(i-1) || i).
    // Outputs may alias the key (Ci := KDF(Ci, ...)), so τ0 is computed into a temporary first.
    private static void Kdf(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> t1, Span<byte> t2, Span<byte> t3)
    {
        Span<byte> t0 = stackalloc byte[HashSize];
        Span<byte> previous = stackalloc byte[HashSize + 1];
        Hmac(key, input, t0);

        previous[0] = 1;
        Hmac(t0, previous[..1], previous);
        previous[..HashSize].CopyTo(t1);

        if (!t2.IsEmpty)
        {
            previous[HashSize] = 2;
            Hmac(t0, previous, previous);
            previous[..HashSize].CopyTo(t2);
        }

        if (!t3.IsEmpty)
        {
            previous[HashSize] = 3;
            Hmac(t0, previous, previous);
            previous[..HashSize].CopyTo(t3);
        }

        t0.Clear();
        previous.Clear();
    }

    /// <summary>Noise MixHash: h := HASH(h || data).</summary>
    public static void MixHash(Span<byte> hash, ReadOnlySpan<byte> data) => Hash(hash, data, hash);

    /// <summary>Noise MixKey: ck := KDF1(ck, input).</summary>
    public static void MixKey(Span<byte> chainingKey, ReadOnlySpan<byte> input) => Kdf1(chainingKey, input, chainingKey);

    /// <summary>
    /// DH(private, public) = Curve25519 point multiplication. Returns false when the result is all
    /// zeros (a low-order public key), which the protocol must reject.
    /// </summary>
    public static bool Dh(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey, Span<byte> shared)
    {
        if (privateKey.Length != KeySize || publicKey.Length != KeySize || shared.Length < KeySize)
        {
            CryptoErrors.ThrowBadLength("key", KeySize);
        }

        LibSodium.EnsureInitialized();
        fixed (byte* q = shared, n = privateKey, p = publicKey)
        {
            return LibSodium.crypto_scalarmult_curve25519(q, n, p) == 0;
        }
    }

    /// <summary>DH-Pubkey(private): the public key of a (clamped on use) private key.</summary>
    public static void DhPublicKey(ReadOnlySpan<byte> privateKey, Span<byte> publicKey)
    {
        if (privateKey.Length != KeySize || publicKey.Length < KeySize)
        {
            CryptoErrors.ThrowBadLength("key", KeySize);
        }

        LibSodium.EnsureInitialized();
        fixed (byte* q = publicKey, n = privateKey)
        {
            LibSodium.crypto_scalarmult_curve25519_base(q, n);
        }
    }

    /// <summary>Curve25519 private-key clamping (RFC 7748 §5).</summary>
    public static void Clamp(Span<byte> privateKey)
    {
        privateKey[0] &= 248;
        privateKey[31] = (byte)((privateKey[31] & 127) | 64);
    }

    public static void Zero(Span<byte> secret)
    {
        LibSodium.EnsureInitialized();
        fixed (byte* p = secret)
        {
            LibSodium.sodium_memzero(p, (nuint)secret.Length);
        }
    }
}
