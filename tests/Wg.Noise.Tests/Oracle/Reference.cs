// The WireGuard primitives (whitepaper §5.4) written on BouncyCastle, an implementation independent of
// the engine's (managed BLAKE2s, libsodium, OpenSSL): the oracle the property tests and the reference
// handshake compare against. XChaCha20 is built from the draft (draft-irtf-cfrg-xchacha-03 §2.2-2.3):
// HChaCha20 written here, ChaCha20-Poly1305 from BouncyCastle.
using System.Buffers.Binary;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace WgSharp.Noise.Tests.Oracle;

internal static class Reference
{
    /// <summary>BLAKE2s with a digest of <paramref name="length"/> bytes, keyed when <paramref name="key"/> is not empty.</summary>
    public static byte[] Blake2s(byte[] input, int length, byte[]? key = null)
    {
        var digest = key is { Length: > 0 } ? new Blake2sDigest(key, length, null, null) : new Blake2sDigest(length * 8);
        digest.BlockUpdate(input, 0, input.Length);
        byte[] output = new byte[length];
        digest.DoFinal(output, 0);
        return output;
    }

    /// <summary>HASH(input) := BLAKE2s(input, 32).</summary>
    public static byte[] Hash(params byte[][] parts) => Blake2s([.. parts.SelectMany(p => p)], 32);

    /// <summary>MAC(key, input) := Keyed-BLAKE2s(key, input, 16).</summary>
    public static byte[] Mac(byte[] key, byte[] input) => Blake2s(input, 16, key);

    /// <summary>HMAC(key, input) := HMAC-BLAKE2s(key, input, 32) (RFC 2104 over BLAKE2s-256).</summary>
    public static byte[] Hmac(byte[] key, byte[] input)
    {
        var hmac = new HMac(new Blake2sDigest(256));
        hmac.Init(new KeyParameter(key));
        hmac.BlockUpdate(input, 0, input.Length);
        byte[] output = new byte[32];
        hmac.DoFinal(output, 0);
        return output;
    }

    /// <summary>KDFn(key, input): τ0 := HMAC(key, input); τ1 := HMAC(τ0, 0x1); τi := HMAC(τ0, τi-1 || i).</summary>
    public static byte[][] Kdf(int n, byte[] key, byte[] input)
    {
        byte[] t0 = Hmac(key, input);
        var outputs = new byte[n][];
        byte[] previous = [];
        for (int i = 0; i < n; i++)
        {
            previous = Hmac(t0, [.. previous, (byte)(i + 1)]);
            outputs[i] = previous;
        }
        return outputs;
    }

    /// <summary>DH(private, public) := X25519 (RFC 7748).</summary>
    public static byte[] Dh(byte[] privateKey, byte[] publicKey)
    {
        byte[] shared = new byte[32];
        X25519.ScalarMult(privateKey, 0, publicKey, 0, shared, 0);
        return shared;
    }

    /// <summary>DH-PUBKEY(private).</summary>
    public static byte[] PublicKey(byte[] privateKey)
    {
        byte[] publicKey = new byte[32];
        X25519.ScalarMultBase(privateKey, 0, publicKey, 0);
        return publicKey;
    }

    /// <summary>AEAD(key, counter, plain, auth): ChaCha20-Poly1305 with the nonce 32 zero bits || 64-bit little-endian counter.</summary>
    public static byte[] Aead(byte[] key, ulong counter, byte[] plaintext, byte[] associatedData)
    {
        byte[] nonce = new byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(nonce.AsSpan(4), counter);
        return ChaCha20Poly1305(key, nonce, plaintext, associatedData);
    }

    /// <summary>RFC 8439 AEAD_CHACHA20_POLY1305 with an explicit 96-bit nonce: ciphertext || tag.</summary>
    public static byte[] ChaCha20Poly1305(byte[] key, byte[] nonce, byte[] plaintext, byte[] associatedData)
    {
        var aead = new ChaCha20Poly1305();
        aead.Init(true, new AeadParameters(new KeyParameter(key), 128, nonce, associatedData));
        byte[] output = new byte[aead.GetOutputSize(plaintext.Length)];
        int written = aead.ProcessBytes(plaintext, 0, plaintext.Length, output, 0);
        aead.DoFinal(output, written);
        return output;
    }

    /// <summary>XAEAD: AEAD_XChaCha20_Poly1305 (draft §2.3): subkey := HChaCha20(key, nonce[0..16]), then
    /// ChaCha20-Poly1305 with the nonce 32 zero bits || nonce[16..24].</summary>
    public static byte[] XChaCha20Poly1305(byte[] key, byte[] nonce, byte[] plaintext, byte[] associatedData)
    {
        byte[] subkey = HChaCha20(key, nonce[..16]);
        byte[] chachaNonce = [0, 0, 0, 0, .. nonce[16..24]];
        return ChaCha20Poly1305(subkey, chachaNonce, plaintext, associatedData);
    }

    /// <summary>HChaCha20 (draft §2.2): the ChaCha20 state from the constants, key and 16-byte nonce, 20 rounds,
    /// and words 0-3 and 12-15 of the result without the final addition.</summary>
    public static byte[] HChaCha20(byte[] key, byte[] nonce16)
    {
        uint[] x = new uint[16];
        x[0] = 0x61707865;
        x[1] = 0x3320646e;
        x[2] = 0x79622d32;
        x[3] = 0x6b206574;
        for (int i = 0; i < 8; i++)
        {
            x[4 + i] = BinaryPrimitives.ReadUInt32LittleEndian(key.AsSpan(4 * i));
        }
        for (int i = 0; i < 4; i++)
        {
            x[12 + i] = BinaryPrimitives.ReadUInt32LittleEndian(nonce16.AsSpan(4 * i));
        }
        for (int round = 0; round < 10; round++)
        {
            QuarterRound(x, 0, 4, 8, 12);
            QuarterRound(x, 1, 5, 9, 13);
            QuarterRound(x, 2, 6, 10, 14);
            QuarterRound(x, 3, 7, 11, 15);
            QuarterRound(x, 0, 5, 10, 15);
            QuarterRound(x, 1, 6, 11, 12);
            QuarterRound(x, 2, 7, 8, 13);
            QuarterRound(x, 3, 4, 9, 14);
        }
        byte[] output = new byte[32];
        int[] words = [0, 1, 2, 3, 12, 13, 14, 15];
        for (int i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(output.AsSpan(4 * i), x[words[i]]);
        }
        return output;
    }

    private static void QuarterRound(uint[] x, int a, int b, int c, int d)
    {
        x[a] += x[b]; x[d] = uint.RotateLeft(x[d] ^ x[a], 16);
        x[c] += x[d]; x[b] = uint.RotateLeft(x[b] ^ x[c], 12);
        x[a] += x[b]; x[d] = uint.RotateLeft(x[d] ^ x[a], 8);
        x[c] += x[d]; x[b] = uint.RotateLeft(x[b] ^ x[c], 7);
    }
}
