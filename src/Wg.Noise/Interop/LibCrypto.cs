// OpenSSL 3's libcrypto, loaded if present, for the ChaCha20-Poly1305 EVP interface only: the data
// path's bulk AEAD (TransportAead). Optional: without it everything runs on libsodium.
using System.Runtime.InteropServices;

namespace WgSharp.Noise.Interop;

/// <summary>
/// Function pointers into libcrypto.so.3 (the library .NET itself uses for System.Security.Cryptography
/// on Linux). Resolved once; <see cref="IsAvailable"/> is false when the library or a symbol is missing.
/// </summary>
internal static unsafe class LibCrypto
{
    // include/openssl/evp.h
    public const int EVP_CTRL_AEAD_GET_TAG = 0x10;
    public const int EVP_CTRL_AEAD_SET_TAG = 0x11;

    private static readonly string[] Names = ["libcrypto.so.3"];

    public static readonly bool IsAvailable;

    public static readonly delegate* unmanaged<nint> EVP_CIPHER_CTX_new;
    public static readonly delegate* unmanaged<nint, void> EVP_CIPHER_CTX_free;
    public static readonly delegate* unmanaged<nint> EVP_chacha20_poly1305;
    public static readonly delegate* unmanaged<nint, nint, nint, byte*, byte*, int, int> EVP_CipherInit_ex;
    public static readonly delegate* unmanaged<nint, byte*, int*, byte*, int, int> EVP_CipherUpdate;
    public static readonly delegate* unmanaged<nint, byte*, int*, int> EVP_CipherFinal_ex;
    public static readonly delegate* unmanaged<nint, int, int, void*, int> EVP_CIPHER_CTX_ctrl;

    static LibCrypto()
    {
        nint library = 0;
        foreach (string name in Names)
        {
            if (NativeLibrary.TryLoad(name, out library))
            {
                break;
            }
        }

        if (library == 0
            || !NativeLibrary.TryGetExport(library, "EVP_CIPHER_CTX_new", out nint ctxNew)
            || !NativeLibrary.TryGetExport(library, "EVP_CIPHER_CTX_free", out nint ctxFree)
            || !NativeLibrary.TryGetExport(library, "EVP_chacha20_poly1305", out nint cipher)
            || !NativeLibrary.TryGetExport(library, "EVP_CipherInit_ex", out nint init)
            || !NativeLibrary.TryGetExport(library, "EVP_CipherUpdate", out nint update)
            || !NativeLibrary.TryGetExport(library, "EVP_CipherFinal_ex", out nint final)
            || !NativeLibrary.TryGetExport(library, "EVP_CIPHER_CTX_ctrl", out nint ctrl))
        {
            return;
        }

        EVP_CIPHER_CTX_new = (delegate* unmanaged<nint>)ctxNew;
        EVP_CIPHER_CTX_free = (delegate* unmanaged<nint, void>)ctxFree;
        EVP_chacha20_poly1305 = (delegate* unmanaged<nint>)cipher;
        EVP_CipherInit_ex = (delegate* unmanaged<nint, nint, nint, byte*, byte*, int, int>)init;
        EVP_CipherUpdate = (delegate* unmanaged<nint, byte*, int*, byte*, int, int>)update;
        EVP_CipherFinal_ex = (delegate* unmanaged<nint, byte*, int*, int>)final;
        EVP_CIPHER_CTX_ctrl = (delegate* unmanaged<nint, int, int, void*, int>)ctrl;
        IsAvailable = EVP_chacha20_poly1305() != 0;
    }
}
