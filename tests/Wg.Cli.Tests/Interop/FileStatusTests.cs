// File status without statx: the fstatat fallback (the only path on kernels before Linux 4.11, such as OpenVZ 7's)
// must say what statx says about the same file — type, owner, inode and device — or the daemon would take its own
// socket for a replaced one and `down` would not recognise the records it reads.
using System.Net.Sockets;
using WgSharp.Cli.Interop;
using WgSharp.Cli.Tests.Support;

namespace WgSharp.Cli.Tests.Interop;

public sealed class FileStatusTests : IDisposable
{
    private readonly string _root = TestNames.TempDirectory();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Fallback_agrees_with_statx_on_a_file_a_directory_a_symlink_and_a_socket()
    {
        string file = Path.Combine(_root, "file");
        File.WriteAllText(file, "x");
        string link = Path.Combine(_root, "link");
        File.CreateSymbolicLink(link, file);
        string socketPath = Path.Combine(_root, "sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        foreach ((string path, int flags) in new[]
                 {
                     (file, 0), (_root, 0), (link, Libc.AtSymlinkNoFollow), (link, 0), (socketPath, Libc.AtSymlinkNoFollow),
                 })
        {
            Assert.True(Libc.TryStat(Libc.AtFdCwd, path, flags, out Libc.FileIdentity viaStatx), path);
            Assert.True(Libc.TryFstatat(Libc.AtFdCwd, path, flags, out Libc.FileIdentity viaFstatat), path);
            Assert.Equal(viaStatx, viaFstatat);
        }

        Assert.True(Libc.TryFstatat(Libc.AtFdCwd, socketPath, 0, out Libc.FileIdentity socketStatus));
        Assert.True(socketStatus.IsSocket);
        Assert.True(Libc.TryFstatat(Libc.AtFdCwd, _root, 0, out Libc.FileIdentity directoryStatus));
        Assert.True(directoryStatus.IsDirectory);
        Assert.True(Libc.TryFstatat(Libc.AtFdCwd, link, Libc.AtSymlinkNoFollow, out Libc.FileIdentity linkStatus));
        Assert.False(linkStatus.IsRegularFile); // the link itself, not its target
        Assert.Equal((uint)0, linkStatus.Owner); // the tests run as root
    }

    [Fact]
    public void Fallback_examines_an_open_descriptor_and_refuses_a_missing_path()
    {
        string file = Path.Combine(_root, "file");
        File.WriteAllText(file, "x");
        using FileStream stream = File.OpenRead(file);
        int fd = (int)stream.SafeFileHandle.DangerousGetHandle();

        Assert.True(Libc.TryStat(fd, "", Libc.AtEmptyPath, out Libc.FileIdentity viaStatx));
        Assert.True(Libc.TryFstatat(fd, "", Libc.AtEmptyPath, out Libc.FileIdentity viaFstatat));
        Assert.Equal(viaStatx, viaFstatat);
        Assert.True(viaFstatat.IsRegularFile);

        Assert.False(Libc.TryFstatat(Libc.AtFdCwd, Path.Combine(_root, "missing"), 0, out _));
        Assert.False(Libc.TryStat(Libc.AtFdCwd, Path.Combine(_root, "missing"), 0, out _));
    }
}
