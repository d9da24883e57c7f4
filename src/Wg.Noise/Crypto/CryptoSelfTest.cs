// Known-answer checks run once before the first handshake: a broken or mismatched native library
// (wrong libsodium build, a patched OpenSSL) must stop the device, not silently corrupt traffic.
namespace WgSharp.Noise.Crypto;

internal static class CryptoSelfTest
{
    private static readonly Lazy<bool> Result = new(Run);

    /// <summary>Runs the checks once per process; throws if any primitive gives a wrong answer.</summary>
    public static void EnsurePassed()
    {
        if (!Result.Value)
        {
            throw new InvalidOperationException(
                "The cryptographic self-test failed: a primitive (BLAKE2s, X25519 or ChaCha20-Poly1305) " +
                "gave a wrong answer for its RFC test vector. Refusing to run with broken cryptography.");
        }
    }

    private static bool Run()
    {
        Span<byte> output = stackalloc byte[64];

        // RFC 7693 Appendix B: BLAKE2s-256("abc").
        Blake2s.Hash("abc"u8, output[..32]);
        bool ok = output[..32].SequenceEqual(Convert.FromHexString("508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982"));

        // RFC 7748 §6.1: Alice's public key and the shared secret with Bob.
        byte[] alicePrivate = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bobPublic = Convert.FromHexString("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        NoiseCrypto.DhPublicKey(alicePrivate, output[..32]);
        ok &= output[..32].SequenceEqual(Convert.FromHexString("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
        ok &= NoiseCrypto.Dh(alicePrivate, bobPublic, output[..32]);
        ok &= output[..32].SequenceEqual(Convert.FromHexString("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"));

        // RFC 8439 §2.8.2, first 16 bytes of plaintext only: ciphertext prefix and the round trip.
        byte[] key = Convert.FromHexString("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        byte[] nonce = Convert.FromHexString("070000004041424344454647");
        byte[] aad = Convert.FromHexString("50515253c0c1c2c3c4c5c6c7");
        Aead.Seal(key, nonce, "Ladies and Gentl"u8, aad, output[..32]);
        ok &= output[..16].SequenceEqual(Convert.FromHexString("d31a8d34648e60db7b86afbc53ef7ec2"));
        ok &= Aead.Open(key, nonce, output[..32], aad, output[32..48]) && output[32..48].SequenceEqual("Ladies and Gentl"u8);
        output.Clear();
        return ok;
    }
}
