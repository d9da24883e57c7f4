// XAEAD(key, nonce, plain, auth) of the whitepaper: XChaCha20-Poly1305 with a random 192-bit nonce,
// used only to encrypt cookies in cookie-reply messages (§5.4.7).
using WgSharp.Noise.Interop;

namespace WgSharp.Noise.Crypto;

internal static unsafe class XAead
{
    public const int KeySize = Aead.KeySize;
    public const int NonceSize = 24;
    public const int TagSize = Aead.TagSize;

    public static void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        Aead.CheckSeal(key, nonce, NonceSize, plaintext.Length, destination.Length);
        fixed (byte* c = destination, m = plaintext, ad = associatedData, npub = nonce, k = key)
        {
            LibSodium.crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
                c, c + plaintext.Length, null, m, (ulong)plaintext.Length, ad, (ulong)associatedData.Length, null, npub, k);
        }
    }

    public static bool Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        if (!Aead.CheckOpen(key, nonce, NonceSize, ciphertext.Length, destination.Length, out int plainLength))
        {
            return false;
        }

        fixed (byte* m = destination, c = ciphertext, ad = associatedData, npub = nonce, k = key)
        {
            return LibSodium.crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
                m, null, c, (ulong)plainLength, c + plainLength, ad, (ulong)associatedData.Length, npub, k) == 0;
        }
    }
}
