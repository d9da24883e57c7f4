// Finds libsodium: the copy shipped with the program first (a release bundles libsodium's own build,
// so a host without the distribution's package still runs), then the sonames distributions install.
// A missing library is reported with what to install.
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.InteropServices;

namespace WgSharp.Noise.Interop;

internal static class NativeLibraryResolver
{
    private const string SodiumFile = "libsodium.so";

    private static readonly string[] SystemSodiumNames = ["libsodium.so.23", "libsodium.so.26", "libsodium.so"];

    public static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "libsodium")
        {
            return IntPtr.Zero; // let the runtime resolve everything else (libc, ...)
        }

        foreach (string path in BundledSodiumPaths(AppContext.BaseDirectory))
        {
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out IntPtr bundled))
            {
                return bundled;
            }
        }

        // A framework-dependent build lists the package's runtimes/<rid>/native copy in its deps.json,
        // which the runtime's own probing for the bare name finds.
        if (NativeLibrary.TryLoad(name, assembly, searchPath, out IntPtr probed))
        {
            return probed;
        }

        return LoadFirst(SystemSodiumNames, assembly, searchPath);
    }

    /// <summary>
    /// Where a release keeps its libsodium: next to the executable (the tarball), or in
    /// <c>../lib/wgsharp/</c> from it (<c>/usr/bin/wgsharp</c> with <c>/usr/lib/wgsharp/libsodium.so</c>).
    /// </summary>
    internal static string[] BundledSodiumPaths(string baseDirectory) =>
    [
        Path.Combine(baseDirectory, SodiumFile),
        Path.GetFullPath(Path.Combine(baseDirectory, "..", "lib", "wgsharp", SodiumFile)),
    ];

    /// <summary>
    /// Loads libsodium now, so a program can refuse to start without it (naming what to install) instead
    /// of failing at the first key it is given. It lives outside <see cref="LibSodium"/> because calling
    /// any static member of that class runs its static constructor before the member's own try.
    /// </summary>
    internal static bool TryLoadSodium([NotNullWhen(false)] out string? error)
    {
        try
        {
            LibSodium.EnsureInitialized();
            error = null;
            return true;
        }
        catch (TypeInitializationException e) when (e.InnerException is not null)
        {
            error = e.InnerException.Message;
            return false;
        }
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
            "libsodium was not found (looked for " + SodiumFile + " next to the program and in ../lib/wgsharp, then " +
            string.Join(", ", candidates) + "). WgSharp uses it for X25519 and ChaCha20-Poly1305: install it with " +
            "`apt-get install libsodium23` (Debian/Ubuntu), `dnf install libsodium` (Fedora/RHEL/CentOS, from EPEL) " +
            "or `apk add libsodium` (Alpine), or use the release tarball, which ships its own copy.");
    }
}
