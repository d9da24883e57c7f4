// sd_notify readiness: the datagram systemd's NOTIFY_SOCKET receives, for a path and an abstract name.
using System.Net.Sockets;
using System.Text;
using WgSharp.Cli.Daemon;

namespace WgSharp.Cli.Tests.Daemon;

public class SystemdNotifierTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Ready_is_one_datagram_to_the_notify_socket(bool abstractName)
    {
        string name = $"wgsharp-notify-{Guid.NewGuid():N}";
        string path = abstractName ? "@" + name : Path.Combine(Path.GetTempPath(), name);
        using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        receiver.Bind(new UnixDomainSocketEndPoint(abstractName ? "\0" + name : path));
        try
        {
            Assert.True(SystemdNotifier.Notify("READY=1", path));
            var buffer = new byte[64];
            receiver.ReceiveTimeout = 5000;
            int length = receiver.Receive(buffer);
            Assert.Equal("READY=1", Encoding.UTF8.GetString(buffer, 0, length));
        }
        finally
        {
            if (!abstractName)
            {
                File.Delete(path);
            }
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("relative/path")]
    public void Without_a_usable_socket_nothing_is_sent(string? socket) => Assert.False(SystemdNotifier.Notify("READY=1", socket));

    [Fact]
    public void A_socket_nobody_listens_on_is_not_an_error()
    {
        Assert.False(SystemdNotifier.Notify("READY=1", Path.Combine(Path.GetTempPath(), $"wgsharp-absent-{Guid.NewGuid():N}")));
    }
}
