// The data path's ChaCha20-Poly1305 (transport messages, whitepaper §5.4.6): OpenSSL's EVP interface for
// packets large enough to gain from it, libsodium for small ones and wherever OpenSSL is missing.
// Same construction and output as Aead (nonce = 32 zero bits || 64-bit little-endian counter, no AD).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using WgSharp.Noise.Interop;

namespace WgSharp.Noise.Crypto;

/// <summary>
/// Why two libraries: at 1420 bytes OpenSSL 3's assembly (AVX2/AVX-512) seals in about half the time of
/// libsodium 1.0.18's, while below a few hundred bytes its per-call EVP overhead makes it slower (see
/// bench/RESULTS.md, "AEAD on the data path"). An EVP context is not thread-safe, and setting it up per
/// packet would cost more than the cipher, so every thread that seals or opens keeps one context per
/// direction and re-keys it per packet (for ChaCha20 a key change is a 32-byte copy).
/// </summary>
/// <remarks>
/// The contexts keep the last key they used until the thread's next packet replaces it, or the thread
/// ends; session keys in <see cref="Session"/> are still erased as §6.3 asks. The OpenSSL path is checked
/// against libsodium once (<see cref="SelfTest"/>) and not used if they disagree.
/// </remarks>
internal static unsafe class TransportAead
{
    /// <summary>Plaintexts at least this long go to OpenSSL (the crossover measured on AVX2 machines is ≈ 200 B).</summary>
    public const int OpenSslThreshold = 256;

    private static readonly bool UseOpenSsl = LibCrypto.IsAvailable && SelfTest();

    // One cipher context per thread and direction. t_ marks a [ThreadStatic] field (the .NET runtime's own
    // convention); the naming rules cannot tell it from a shared static, hence the suppression.
#pragma warning disable IDE1006
    [ThreadStatic]
    private static EvpCipherContext? t_seal;

    [ThreadStatic]
    private static EvpCipherContext? t_open;
#pragma warning restore IDE1006

    /// <summary>Whether large packets use OpenSSL on this machine (libcrypto.so.3 present and self-tested).</summary>
    public static bool UsesOpenSsl => UseOpenSsl;

    /// <summary>Seals plaintext into destination (plaintext.Length + 16 bytes); may run in place.</summary>
    public static void Seal(ReadOnlySpan<byte> key, ulong counter, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        if (!UseOpenSsl || plaintext.Length < OpenSslThreshold || !InPlaceOrApart(plaintext, destination)
            || !TrySealOpenSsl(key, counter, plaintext, destination))
        {
            Aead.Seal(key, counter, plaintext, default, destination);
        }
    }

    /// <summary>Opens ciphertext (data || tag) into destination; false when authentication fails. May run in place.</summary>
    public static bool Open(ReadOnlySpan<byte> key, ulong counter, ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        if (!UseOpenSsl || ciphertext.Length - Aead.TagSize < OpenSslThreshold || !InPlaceOrApart(ciphertext, destination))
        {
            return Aead.Open(key, counter, ciphertext, default, destination);
        }

        return OpenOpenSsl(key, counter, ciphertext, destination);
    }

    private static bool TrySealOpenSsl(ReadOnlySpan<byte> key, ulong counter, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        if (key.Length != Aead.KeySize)
        {
            CryptoErrors.ThrowBadLength(nameof(key), Aead.KeySize);
        }

        if (destination.Length < plaintext.Length + Aead.TagSize)
        {
            CryptoErrors.ThrowDestinationTooSmall();
        }

        nint context = (t_seal ??= EvpCipherContext.Create(encrypt: true)).Pointer;
        byte* nonce = stackalloc byte[Aead.NonceSize];
        Aead.WriteNonce(new Span<byte>(nonce, Aead.NonceSize), counter);
        int length = plaintext.Length;
        fixed (byte* k = key, m = plaintext, c = destination)
        {
            if (LibCrypto.EVP_CipherInit_ex(context, 0, 0, k, nonce, 1) != 1)
            {
                return false; // nothing written yet: the caller falls back to libsodium
            }

            // Past this point an in-place plaintext is being overwritten, so there is no falling back.
            int written, final;
            if (LibCrypto.EVP_CipherUpdate(context, c, &written, m, length) != 1 || written != length
                || LibCrypto.EVP_CipherFinal_ex(context, c + length, &final) != 1
                || LibCrypto.EVP_CIPHER_CTX_ctrl(context, LibCrypto.EVP_CTRL_AEAD_GET_TAG, Aead.TagSize, c + length) != 1)
            {
                throw new System.Security.Cryptography.CryptographicException("OpenSSL failed to seal a ChaCha20-Poly1305 message");
            }

            return true;
        }
    }

    private static bool OpenOpenSsl(ReadOnlySpan<byte> key, ulong counter, ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        if (key.Length != Aead.KeySize)
        {
            CryptoErrors.ThrowBadLength(nameof(key), Aead.KeySize);
        }

        int length = ciphertext.Length - Aead.TagSize;
        if (destination.Length < length)
        {
            CryptoErrors.ThrowDestinationTooSmall();
        }

        nint context = (t_open ??= EvpCipherContext.Create(encrypt: false)).Pointer;
        byte* nonce = stackalloc byte[Aead.NonceSize];
        Aead.WriteNonce(new Span<byte>(nonce, Aead.NonceSize), counter);
        bool authentic;
        fixed (byte* k = key, c = ciphertext, m = destination)
        {
            // The tag stays readable during an in-place open: only the first `length` bytes are overwritten.
            int written, final;
            authentic = LibCrypto.EVP_CipherInit_ex(context, 0, 0, k, nonce, 0) == 1
                && LibCrypto.EVP_CIPHER_CTX_ctrl(context, LibCrypto.EVP_CTRL_AEAD_SET_TAG, Aead.TagSize, c + length) == 1
                && LibCrypto.EVP_CipherUpdate(context, m, &written, c, length) == 1 && written == length
                && LibCrypto.EVP_CipherFinal_ex(context, m + length, &final) == 1;
        }

        if (!authentic)
        {
            // Unauthenticated plaintext is never left where a caller could mistake it for a packet.
            destination[..length].Clear();
        }

        return authentic;
    }

    // OpenSSL (like libsodium) handles output == input or disjoint buffers, not a partial overlap.
    private static bool InPlaceOrApart(ReadOnlySpan<byte> input, Span<byte> output) =>
        Unsafe.AreSame(ref MemoryMarshal.GetReference(input), ref MemoryMarshal.GetReference(output)) || !input.Overlaps(output);

    // One seal and open of each size class compared byte for byte with libsodium, plus a forgery.
    private static bool SelfTest()
    {
        try
        {
            byte[] key = new byte[Aead.KeySize];
            byte[] plaintext = new byte[1500];
            for (int i = 0; i < plaintext.Length; i++)
            {
                plaintext[i] = (byte)(i * 7 + 3);
                key[i % key.Length] ^= (byte)(i * 13);
            }

            byte[] expected = new byte[plaintext.Length + Aead.TagSize];
            byte[] actual = new byte[expected.Length];
            byte[] opened = new byte[plaintext.Length];
            Aead.Seal(key, 0x0102030405060708, plaintext, default, expected);
            if (!TrySealOpenSsl(key, 0x0102030405060708, plaintext, actual) || !actual.AsSpan().SequenceEqual(expected)
                || !OpenOpenSsl(key, 0x0102030405060708, actual, opened) || !opened.AsSpan().SequenceEqual(plaintext))
            {
                return false;
            }

            actual[100] ^= 1;
            return !OpenOpenSsl(key, 0x0102030405060708, actual, opened);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException or OutOfMemoryException
            or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    /// <summary>One thread's EVP_CIPHER_CTX for ChaCha20-Poly1305 in one direction, freed with the thread.</summary>
    private sealed class EvpCipherContext : SafeHandle
    {
        private EvpCipherContext()
            : base(0, ownsHandle: true)
        {
        }

        public override bool IsInvalid => handle == 0;

        public nint Pointer => handle;

        public static EvpCipherContext Create(bool encrypt)
        {
            var context = new EvpCipherContext();
            context.SetHandle(LibCrypto.EVP_CIPHER_CTX_new());
            if (context.IsInvalid
                || LibCrypto.EVP_CipherInit_ex(context.handle, LibCrypto.EVP_chacha20_poly1305(), 0, null, null, encrypt ? 1 : 0) != 1)
            {
                context.Dispose();
                throw new OutOfMemoryException("OpenSSL could not create a ChaCha20-Poly1305 context");
            }

            return context;
        }

        protected override bool ReleaseHandle()
        {
            LibCrypto.EVP_CIPHER_CTX_free(handle);
            return true;
        }
    }
}
