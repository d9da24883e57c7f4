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
    public void Bundled_copy_is_looked_for_next_to_the_program_then_in_lib_wgsharp()
    {
        // The tarball keeps it next to the executable; the .deb in /usr/lib/wgsharp beside /usr/bin.
        Assert.Equal(["/usr/bin/libsodium.so", "/usr/lib/wgsharp/libsodium.so"], NativeLibraryResolver.BundledSodiumPaths("/usr/bin/"));
        Assert.Equal(["/opt/w/libsodium.so", "/opt/lib/wgsharp/libsodium.so"], NativeLibraryResolver.BundledSodiumPaths("/opt/w"));
    }

    [Fact]
    public void Installed_library_is_found_under_its_debian_soname()
    {
        IntPtr handle = NativeLibraryResolver.LoadFirst(["libsodium.so.23"], typeof(NativeLibraryResolverTests).Assembly, null);
        Assert.NotEqual(IntPtr.Zero, handle);
    }
}
