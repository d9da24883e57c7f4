// libsodium (Debian package libsodium23) through source-generated P/Invoke: X25519, the IETF
// ChaCha20-Poly1305 and XChaCha20-Poly1305 AEADs, random bytes and zeroing.
using System.Runtime.InteropServices;

namespace WgSharp.Noise.Interop;

internal static unsafe partial class LibSodium
{
    private const string Library = "libsodium";

    // Resolves "libsodium" to the versioned sonames Debian installs, and turns a missing library
    // into an error that names the package instead of a bare DllNotFoundException.
    static LibSodium()
    {
        NativeLibrary.SetDllImportResolver(typeof(LibSodium).Assembly, NativeLibraryResolver.Resolve);
        if (sodium_init() < 0)
        {
            throw new InvalidOperationException("libsodium failed to initialise (sodium_init returned -1).");
        }
    }

    /// <summary>Forces the static constructor: loads the library and runs sodium_init once.</summary>
    internal static void EnsureInitialized() { }

    [LibraryImport(Library)]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    internal static partial void randombytes_buf(byte* buffer, nuint size);

    [LibraryImport(Library)]
    internal static partial void sodium_memzero(byte* buffer, nuint length);

    [LibraryImport(Library)]
    internal static partial int crypto_scalarmult_curve25519(byte* q, byte* n, byte* p);

    [LibraryImport(Library)]
    internal static partial int crypto_scalarmult_curve25519_base(byte* q, byte* n);

    [LibraryImport(Library)]
    internal static partial int crypto_aead_chacha20poly1305_ietf_encrypt_detached(
        byte* c, byte* mac, ulong* maclen_p, byte* m, ulong mlen, byte* ad, ulong adlen, byte* nsec, byte* npub, byte* k);

    [LibraryImport(Library)]
    internal static partial int crypto_aead_chacha20poly1305_ietf_decrypt_detached(
        byte* m, byte* nsec, byte* c, ulong clen, byte* mac, byte* ad, ulong adlen, byte* npub, byte* k);

    [LibraryImport(Library)]
    internal static partial int crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
        byte* c, byte* mac, ulong* maclen_p, byte* m, ulong mlen, byte* ad, ulong adlen, byte* nsec, byte* npub, byte* k);

    [LibraryImport(Library)]
    internal static partial int crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
        byte* m, byte* nsec, byte* c, ulong clen, byte* mac, byte* ad, ulong adlen, byte* npub, byte* k);
}
