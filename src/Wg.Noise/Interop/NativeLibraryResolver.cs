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

        return LoadFirst(SodiumNames, assembly, searchPath);
    }

    /// <summary>Loads the first of the candidate sonames that exists, or throws naming the package to install.</summary>
    internal static IntPtr LoadFirst(string[] candidates, Assembly assembly, DllImportSearchPath? searchPath)
    {
        foreach (string candidate in candidates)
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out IntPtr handle))
            {
                return handle;
            }
        }

        throw new DllNotFoundException(
            "libsodium was not found (looked for " + string.Join(", ", candidates) + "). " +
            "WgSharp uses it for X25519 and ChaCha20-Poly1305: install it with `apt-get install libsodium23` " +
            "(Debian/Ubuntu) or `dnf install libsodium` (Fedora/RHEL).");
    }
}
