// The engine's primitives against BouncyCastle on random inputs: BLAKE2s (plain and keyed, every digest
// length), HMAC-BLAKE2s, KDF1-3, X25519, ChaCha20-Poly1305 (the handshake's and the transport's, which may
// run on OpenSSL) and XChaCha20-Poly1305, with messages of 0..4096 bytes. Each disagreement is a bug in one
// of two implementations written apart.
using FsCheck;
using FsCheck.Fluent;
using WgSharp.Noise.Crypto;

namespace WgSharp.Noise.Tests.Oracle;

public class CryptoOracleTests
{
    private const int Runs = 300;

    private static Gen<byte[]> Bytes(int min, int max) =>
        from length in Gen.OneOf(Gen.Choose(min, max), Gen.Elements(min, max, Math.Min(max, 63), Math.Min(max, 64), Math.Min(max, 65)).Where(l => l >= min))
        from bytes in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), length)
        select bytes;

    private static Gen<byte[]> Key => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 32);

    private static Gen<(A, B, C)> Zip<A, B, C>(Gen<A> a, Gen<B> b, Gen<C> c) =>
        from x in a from y in b from z in c select (x, y, z);

    private static Gen<(A, B, C, D)> Zip<A, B, C, D>(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d) =>
        from x in a from y in b from z in c from w in d select (x, y, z, w);

    private static void Check<T>(Gen<T> gen, Func<T, bool> property) =>
        Prop.ForAll(gen.ToArbitrary(), property).Check(Config.QuickThrowOnFailure.WithMaxTest(Runs));

    [Fact]
    public void Reference_HChaCha20_matches_the_draft_test_vector()
    {
        // draft-irtf-cfrg-xchacha-03 §2.2.1.
        byte[] key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        byte[] nonce = Convert.FromHexString("000000090000004a0000000031415927");
        Assert.Equal("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc",
            Convert.ToHexStringLower(Reference.HChaCha20(key, nonce)));
    }

    [Fact]
    public void Blake2s_agrees_with_BouncyCastle() =>
        Check(Gen.Zip(Bytes(0, 4096), Gen.Choose(1, 32)), t =>
        {
            (byte[] input, int length) = t;
            byte[] ours = new byte[length];
            Blake2s.Hash(input, ours);
            return ours.AsSpan().SequenceEqual(Reference.Blake2s(input, length));
        });

    [Fact]
    public void Keyed_Blake2s_agrees_with_BouncyCastle() =>
        Check(Zip(Bytes(0, 4096), Bytes(1, 32), Gen.Choose(1, 32)), t =>
        {
            (byte[] input, byte[] key, int length) = t;
            byte[] ours = new byte[length];
            Blake2s.Hash(input, ours, key);
            return ours.AsSpan().SequenceEqual(Reference.Blake2s(input, length, key));
        });

    [Fact]
    public void Hash_and_Mac_agree_with_BouncyCastle() =>
        Check(Gen.Zip(Bytes(0, 4096), Key), t =>
        {
            (byte[] input, byte[] key) = t;
            byte[] hash = new byte[NoiseCrypto.HashSize];
            byte[] mac = new byte[NoiseCrypto.MacSize];
            NoiseCrypto.Hash(input, hash);
            NoiseCrypto.Mac(key, input, mac);
            return hash.AsSpan().SequenceEqual(Reference.Hash(input)) && mac.AsSpan().SequenceEqual(Reference.Mac(key, input));
        });

    [Fact]
    public void Hmac_Blake2s_agrees_with_BouncyCastle() =>
        Check(Gen.Zip(Bytes(0, 4096), Bytes(0, 100)), t =>
        {
            (byte[] input, byte[] key) = t;
            byte[] ours = new byte[32];
            NoiseCrypto.Hmac(key, input, ours);
            return ours.AsSpan().SequenceEqual(Reference.Hmac(key, input));
        });

    [Fact]
    public void Kdf1_Kdf2_Kdf3_agree_with_BouncyCastle() =>
        Check(Gen.Zip(Bytes(0, 4096), Key), t =>
        {
            (byte[] input, byte[] key) = t;
            byte[] t1 = new byte[32], t2 = new byte[32], t3 = new byte[32];
            byte[][] expected = Reference.Kdf(3, key, input);
            NoiseCrypto.Kdf1(key, input, t1);
            bool kdf1 = t1.AsSpan().SequenceEqual(expected[0]);
            NoiseCrypto.Kdf2(key, input, t1, t2);
            bool kdf2 = t1.AsSpan().SequenceEqual(expected[0]) && t2.AsSpan().SequenceEqual(expected[1]);
            NoiseCrypto.Kdf3(key, input, t1, t2, t3);
            bool kdf3 = t1.AsSpan().SequenceEqual(expected[0]) && t2.AsSpan().SequenceEqual(expected[1]) && t3.AsSpan().SequenceEqual(expected[2]);
            return kdf1 && kdf2 && kdf3;
        });

    [Fact]
    public void X25519_agrees_with_BouncyCastle() =>
        Check(Gen.Zip(Key, Key), t =>
        {
            (byte[] privateKey, byte[] peerPrivate) = t;
            byte[] publicKey = new byte[32];
            NoiseCrypto.DhPublicKey(privateKey, publicKey);
            byte[] peerPublic = Reference.PublicKey(peerPrivate);
            byte[] shared = new byte[32];
            bool ok = NoiseCrypto.Dh(privateKey, peerPublic, shared);
            return publicKey.AsSpan().SequenceEqual(Reference.PublicKey(privateKey))
                && ok && shared.AsSpan().SequenceEqual(Reference.Dh(privateKey, peerPublic));
        });

    [Fact]
    public void X25519_on_arbitrary_public_keys_agrees_with_BouncyCastle() =>
        // Any 32 bytes as the peer's key (off-curve, non-canonical, low order): the same result, and the engine
        // refuses exactly the all-zero one (whitepaper §5.4: DH must not yield the identity).
        Check(Gen.Zip(Key, Key), t =>
        {
            (byte[] privateKey, byte[] peerPublic) = t;
            byte[] shared = new byte[32];
            bool ok = NoiseCrypto.Dh(privateKey, peerPublic, shared);
            byte[] expected = Reference.Dh(privateKey, peerPublic);
            bool zero = expected.All(b => b == 0);
            return ok == !zero && (!ok || shared.AsSpan().SequenceEqual(expected));
        });

    [Fact]
    public void ChaCha20Poly1305_agrees_with_BouncyCastle() =>
        Check(Zip(Key, ArbMap.Default.GeneratorFor<ulong>(), Bytes(0, 4096), Bytes(0, 64)), t =>
        {
            (byte[] key, ulong counter, byte[] plaintext, byte[] ad) = t;
            byte[] expected = Reference.Aead(key, counter, plaintext, ad);
            byte[] sealedText = new byte[plaintext.Length + 16];
            Aead.Seal(key, counter, plaintext, ad, sealedText);
            byte[] opened = new byte[plaintext.Length];
            return sealedText.AsSpan().SequenceEqual(expected)
                && Aead.Open(key, counter, expected, ad, opened) && opened.AsSpan().SequenceEqual(plaintext);
        });

    [Fact]
    public void Transport_ChaCha20Poly1305_agrees_with_BouncyCastle() =>
        // The transport path (OpenSSL for 256 bytes and more where available) has no associated data.
        Check(Zip(Key, ArbMap.Default.GeneratorFor<ulong>(), Bytes(0, 4096)), t =>
        {
            (byte[] key, ulong counter, byte[] plaintext) = t;
            byte[] expected = Reference.Aead(key, counter, plaintext, []);
            byte[] sealedText = new byte[plaintext.Length + 16];
            TransportAead.Seal(key, counter, plaintext, sealedText);
            byte[] opened = new byte[plaintext.Length];
            return sealedText.AsSpan().SequenceEqual(expected)
                && TransportAead.Open(key, counter, expected, opened) && opened.AsSpan().SequenceEqual(plaintext);
        });

    [Fact]
    public void XChaCha20Poly1305_agrees_with_the_draft_construction_on_BouncyCastle() =>
        Check(Zip(Key, Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 24), Bytes(0, 4096), Bytes(0, 64)), t =>
        {
            (byte[] key, byte[] nonce, byte[] plaintext, byte[] ad) = t;
            byte[] expected = Reference.XChaCha20Poly1305(key, nonce, plaintext, ad);
            byte[] sealedText = new byte[plaintext.Length + 16];
            XAead.Seal(key, nonce, plaintext, ad, sealedText);
            byte[] opened = new byte[plaintext.Length];
            return sealedText.AsSpan().SequenceEqual(expected)
                && XAead.Open(key, nonce, expected, ad, opened) && opened.AsSpan().SequenceEqual(plaintext);
        });
}
