// A step of giving up root failed; the process may be part-way (the caller stops rather than go on).
namespace WgSharp.Tun;

public sealed class PrivilegeDropException(string step, int errno)
    : Exception($"{step} failed: {Interop.LibC.Describe(errno)} (errno {errno})")
{
    public string Step { get; } = step;

    public int Errno { get; } = errno;
}
