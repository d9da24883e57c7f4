// The native crypto library as a program sees it: load it at start-up, so a host without it is told what
// to install before any key is set, instead of failing at the first one.
using System.Diagnostics.CodeAnalysis;

namespace WgSharp.Noise.Interop;

public static class CryptoLibrary
{
    /// <summary>Loads libsodium now; false with the reason (naming the package to install) when it cannot be loaded.</summary>
    public static bool TryLoad([NotNullWhen(false)] out string? error) => NativeLibraryResolver.TryLoadSodium(out error);
}
