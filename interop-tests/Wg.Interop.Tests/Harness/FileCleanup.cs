// Removing files a test or daemon may have left, on every exit path, including on a fresh machine.
namespace WgSharp.Interop.Tests.Harness;

internal static class FileCleanup
{
    /// <summary>Deletes <paramref name="path"/> if it exists. Unlike File.Delete, also when its directory does not
    /// exist: /run/wgsharp and /var/run/wireguard appear only once some daemon or `up` created them, so on a fresh
    /// machine a cleanup after a failed start would otherwise throw and hide the failure.</summary>
    public static void DeleteIfPresent(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
