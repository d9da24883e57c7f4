// The Errno names carry the kernel's numbers: the C library describes each as the errno it is named after.
namespace WgSharp.Tun.Tests;

public class ErrnoTests
{
    [Theory]
    [InlineData(Errno.EPERM, "Operation not permitted")]
    [InlineData(Errno.ENOENT, "No such file or directory")]
    [InlineData(Errno.ESRCH, "No such process")]
    [InlineData(Errno.EINTR, "Interrupted system call")]
    [InlineData(Errno.EAGAIN, "Resource temporarily unavailable")]
    [InlineData(Errno.EEXIST, "File exists")]
    [InlineData(Errno.ENODEV, "No such device")]
    [InlineData(Errno.EINVAL, "Invalid argument")]
    [InlineData(Errno.ENOSYS, "Function not implemented")]
    [InlineData(Errno.EBADFD, "File descriptor in bad state")]
    [InlineData(Errno.EAFNOSUPPORT, "Address family not supported by protocol")]
    [InlineData(Errno.EADDRNOTAVAIL, "Cannot assign requested address")]
    [InlineData(Errno.ENETUNREACH, "Network is unreachable")]
    [InlineData(Errno.ETIMEDOUT, "Connection timed out")]
    public void Each_name_has_the_number_the_C_library_describes_as_it(Errno errno, string description) =>
        Assert.Equal(description, errno.Describe());

    [Fact]
    public void Messages_print_the_number_as_the_kernel_reports_it()
    {
        Assert.Equal("17", Errno.EEXIST.Number());
        Assert.Equal("0", Errno.None.Number());
    }
}
