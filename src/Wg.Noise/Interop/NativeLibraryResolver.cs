// Finds the native libraries WgSharp needs under the names Linux distributions install them as,
// and reports a missing one with the package that provides it.
using System.Reflection;
using System.Runtime.InteropServices;

namespace WgSharp.Noise.Interop;

internal static class NativeLibraryResolver
{
    private static readonly string[] SodiumNames = ["libsodium.so.23", "libsodium.so.26", "libsodium.so"];

    public static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "libsodium")
        {
            return IntPtr.Zero; // let the runtime resolve everything else (libc, ...)
        }

        foreach (string candidate in SodiumNames)
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out IntPtr handle))
            {
                return handle;
            }
        }

        throw new DllNotFoundException(
            "libsodium was not found (looked for " + string.Join(", ", SodiumNames) + "). " +
            "WgSharp uses it for X25519 and ChaCha20-Poly1305: install it with `apt-get install libsodium23` " +
            "(Debian/Ubuntu) or `dnf install libsodium` (Fedora/RHEL).");
    }
}
