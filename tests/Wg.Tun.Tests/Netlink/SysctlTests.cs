// Sysctl against /proc/sys: key-to-path mapping, per-namespace reads and writes, and the three kinds of failure.
using WgSharp.Tun.Interop;
using WgSharp.Tun.Netlink;
using WgSharp.Tun.Tests.Support;

namespace WgSharp.Tun.Tests.Netlink;

public class SysctlTests
{
    [Theory]
    [InlineData("net.ipv4.conf.all.src_valid_mark", "/proc/sys/net/ipv4/conf/all/src_valid_mark")]
    [InlineData("net.ipv4.conf.eth0/100.forwarding", "/proc/sys/net/ipv4/conf/eth0.100/forwarding")]
    [InlineData("net/ipv4/conf/eth0.100/forwarding", "/proc/sys/net/ipv4/conf/eth0.100/forwarding")]
    [InlineData("/net/ipv6/conf/all/disable_ipv6", "/proc/sys/net/ipv6/conf/all/disable_ipv6")]
    public void KeysMapToProcSysPathsAsSysctlDoes(string key, string path) => Assert.Equal(path, Sysctl.PathOf(key));

    [Theory]
    [InlineData("net..ipv4")]
    [InlineData("net/../../etc/passwd")]
    [InlineData("")]
    public void MalformedKeysAreRefused(string key) => Assert.ThrowsAny<ArgumentException>(() => Sysctl.PathOf(key));

    [RootFact]
    public void WritesGoToTheNamespaceOfTheCallingThread()
    {
        using var lab = new NetlinkLab();
        // The key exists only in the lab's namespace (the link is unique to it), so a write that reached the root
        // namespace would fail with ENOENT instead of changing anything there.
        string key = $"net.ipv4.conf.{lab.Link}.forwarding";
        var (result, errno, read) = lab.Ns.Run(() =>
        {
            Assert.Equal("0", Sysctl.Read(key));
            Assert.True(Sysctl.IsWritable(key));
            SysctlWriteResult written = Sysctl.Write(key, "1", out int e);
            return (written, e, Sysctl.Read(key));
        });

        Assert.Equal((SysctlWriteResult.Written, 0, "1"), (result, errno, read));
        Assert.Equal("1", lab.Ns.Exec(Command.DefaultTimeout, "sysctl", "-n", key).Output.Trim());
        Assert.Equal(SysctlWriteResult.Missing, Sysctl.Write(key, "1", out int rootErrno));
        Assert.Equal(LibC.ENOENT, rootErrno);
    }

    [RootFact]
    public void SrcValidMarkIsReadAndSetPerNamespace()
    {
        using var lab = new NetlinkLab();
        const string key = "net.ipv4.conf.all.src_valid_mark";
        string root = Sysctl.Read(key);

        string inside = lab.Ns.Run(() =>
        {
            Assert.Equal(SysctlWriteResult.Written, Sysctl.Write(key, "1", out _));
            return Sysctl.Read(key);
        });

        Assert.Equal("1", inside);
        Assert.Equal("1", lab.Ns.Exec(Command.DefaultTimeout, "sysctl", "-n", key).Output.Trim());
        Assert.Equal(root, Sysctl.Read(key));
    }

    [RootFact]
    public void NotWritableMissingAndRejectedValuesAreToldApart()
    {
        using var lab = new NetlinkLab();
        lab.Ns.Run(() =>
        {
            // 0444 even for root (proc_sys_permission checks the mode): not writable, but readable.
            Assert.Equal(SysctlWriteResult.NotWritable, Sysctl.Write("kernel.random.boot_id", "x", out int errno));
            Assert.Equal(LibC.EACCES, errno);
            Assert.False(Sysctl.IsWritable("kernel.random.boot_id"));
            Assert.True(Sysctl.TryRead("kernel.random.boot_id", out string? bootId, out _));
            Assert.Equal(36, bootId!.Length);

            Assert.Equal(SysctlWriteResult.Missing, Sysctl.Write("net.ipv4.conf.nosuchlink0.forwarding", "1", out errno));
            Assert.Equal(LibC.ENOENT, errno);
            Assert.False(Sysctl.TryRead("net.ipv4.conf.nosuchlink0.forwarding", out _, out errno));
            Assert.Equal(LibC.ENOENT, errno);
            Assert.Throws<IOException>(() => Sysctl.Read("net.ipv4.conf.nosuchlink0.forwarding"));

            Assert.Equal(SysctlWriteResult.Failed, Sysctl.Write("net.ipv4.conf.all.src_valid_mark", "not-a-number", out errno));
            Assert.Equal(LibC.EINVAL, errno);
        });
    }
}
