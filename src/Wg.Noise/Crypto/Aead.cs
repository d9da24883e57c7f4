// AEAD(key, counter, plain, auth) of the whitepaper: ChaCha20-Poly1305 (RFC 8439) with a 96-bit
// nonce of 32 zero bits followed by the 64-bit little-endian counter. Ciphertext = data || 16-byte tag.
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using WgSharp.Noise.Interop;

namespace WgSharp.Noise.Crypto;

internal static unsafe class Aead
{
    public const int KeySize = 32;
    public const int TagSize = 16;
    public const int NonceSize = 12;

    /// <summary>Encrypts plaintext into destination (plaintext.Length + 16 bytes). May run in place.</summary>
    public static void Seal(ReadOnlySpan<byte> key, ulong counter, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        WriteNonce(nonce, counter);
        Seal(key, nonce, plaintext, associatedData, destination);
    }

    /// <summary>
    /// Decrypts and authenticates ciphertext (data || tag) into destination (ciphertext.Length - 16
    /// bytes). Returns false, writing nothing useful, when authentication fails. May run in place.
    /// </summary>
    public static bool Open(ReadOnlySpan<byte> key, ulong counter, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        WriteNonce(nonce, counter);
        return Open(key, nonce, ciphertext, associatedData, destination);
    }

    /// <summary>RFC 8439 AEAD_CHACHA20_POLY1305 with an explicit 96-bit nonce.</summary>
    public static void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        CheckSeal(key, nonce, NonceSize, plaintext.Length, destination.Length);
        fixed (byte* c = destination, m = plaintext, ad = associatedData, npub = nonce, k = key)
        {
            LibSodium.crypto_aead_chacha20poly1305_ietf_encrypt_detached(
                c, c + plaintext.Length, null, m, (ulong)plaintext.Length, ad, (ulong)associatedData.Length, null, npub, k);
        }
    }

    /// <summary>RFC 8439 AEAD_CHACHA20_POLY1305 decryption with an explicit 96-bit nonce.</summary>
    public static bool Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        if (!CheckOpen(key, nonce, NonceSize, ciphertext.Length, destination.Length, out int plainLength))
        {
            return false;
        }

        fixed (byte* m = destination, c = ciphertext, ad = associatedData, npub = nonce, k = key)
        {
            return LibSodium.crypto_aead_chacha20poly1305_ietf_decrypt_detached(
                m, null, c, (ulong)plainLength, c + plainLength, ad, (ulong)associatedData.Length, npub, k) == 0;
        }
    }

    /// <summary>
    /// The argument checks both AEADs (this one and <see cref="XAead"/>) make before sealing: a 32-byte key, a
    /// nonce of the construction's size and room for data plus tag. Also loads libsodium on first use.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CheckSeal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, int nonceSize, int plaintextLength, int destinationLength)
    {
        if (key.Length != KeySize || nonce.Length != nonceSize)
        {
            CryptoErrors.ThrowBadLength(nameof(key), KeySize);
        }

        if (destinationLength < plaintextLength + TagSize)
        {
            CryptoErrors.ThrowDestinationTooSmall();
        }

        LibSodium.EnsureInitialized();
    }

    /// <summary>
    /// The argument checks both AEADs make before opening. Returns false for a ciphertext shorter than the tag
    /// (hostile input: an authentication failure, not a caller bug); otherwise the plaintext length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool CheckOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, int nonceSize, int ciphertextLength, int destinationLength, out int plainLength)
    {
        if (key.Length != KeySize || nonce.Length != nonceSize)
        {
            CryptoErrors.ThrowBadLength(nameof(key), KeySize);
        }

        plainLength = ciphertextLength - TagSize;
        if (ciphertextLength < TagSize)
        {
            return false;
        }

        if (destinationLength < plainLength)
        {
            CryptoErrors.ThrowDestinationTooSmall();
        }

        LibSodium.EnsureInitialized();
        return true;
    }

    public static void WriteNonce(Span<byte> nonce, ulong counter)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(nonce, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], counter);
    }
}
