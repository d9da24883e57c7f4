// A missing libsodium is reported with the package that provides it, not as a bare DllNotFoundException.
using WgSharp.Noise.Interop;

namespace WgSharp.Noise.Tests.Crypto;

public class NativeLibraryResolverTests
{
    [Fact]
    public void Missing_library_error_names_the_package_to_install()
    {
        var error = Assert.Throws<DllNotFoundException>(() =>
            NativeLibraryResolver.LoadFirst(["libsodium.so.999-not-installed"], typeof(NativeLibraryResolverTests).Assembly, null));
        Assert.Contains("apt-get install libsodium23", error.Message);
        Assert.Contains("libsodium.so.999-not-installed", error.Message);
    }

    [Fact]
    public void Installed_library_is_found_under_its_debian_soname()
    {
        IntPtr handle = NativeLibraryResolver.LoadFirst(["libsodium.so.23"], typeof(NativeLibraryResolverTests).Assembly, null);
        Assert.NotEqual(IntPtr.Zero, handle);
    }
}
