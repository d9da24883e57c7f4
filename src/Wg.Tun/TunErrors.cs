// Turns errno values from opening and configuring /dev/net/tun into TunExceptions a user can act on.
using WgSharp.Tun.Interop;

namespace WgSharp.Tun;

internal static class TunErrors
{
    private const string ContainerHint =
        "On OpenVZ the host must load the tun module and enable the device for the container: " +
        "'vzctl set CTID --devnodes net/tun:rw --save'. " +
        "On LXC allow and bind-mount it: 'lxc.cgroup2.devices.allow = c 10:200 rwm' and " +
        "'lxc.mount.entry = /dev/net/tun dev/net/tun none bind,create=file'.";

    /// <summary>Checks a requested name the way the kernel's dev_valid_name() does; empty means "kernel picks".</summary>
    public static void ValidateName(string name)
    {
        if (name.Length == 0)
        {
            return;
        }
        int bytes = System.Text.Encoding.UTF8.GetByteCount(name);
        if (bytes >= LibC.IFNAMSIZ)
        {
            throw new TunException(
                $"Interface name '{name}' is too long ({bytes} bytes): Linux allows at most {LibC.IFNAMSIZ - 1}.",
                LibC.EINVAL);
        }
        if (name == "." || name == ".." || name.Any(c => c == '/' || c == ':' || c == '\0' || char.IsWhiteSpace(c)))
        {
            throw new TunException(
                $"Interface name '{name}' is invalid: it may not contain '/', ':' or whitespace, nor be '.' or '..'.",
                LibC.EINVAL);
        }
    }

    public static TunException Open(string path, int errno) => errno switch
    {
        LibC.ENOENT or LibC.ENODEV or LibC.ENXIO => new TunException(
            $"The TUN device {path} is missing ({LibC.Describe(errno)}). Load the tun kernel module ('modprobe tun') " +
            $"or create the node ('mkdir -p /dev/net && mknod /dev/net/tun c 10 200'). {ContainerHint}",
            errno),
        LibC.EPERM or LibC.EACCES => new TunException(
            $"Permission denied opening {path} ({LibC.Describe(errno)}). Run as root or with CAP_NET_ADMIN; inside a " +
            $"container the device must also be allowed. {ContainerHint}",
            errno),
        _ => new TunException($"Cannot open {path}: {LibC.Describe(errno)} (errno {errno}).", errno),
    };

    public static TunException SetInterface(string name, int errno)
    {
        string shown = name.Length == 0 ? "(kernel-chosen name)" : $"'{name}'";
        return errno switch
        {
            LibC.EPERM or LibC.EACCES => new TunException(
                $"Creating TUN interface {shown} needs root or the CAP_NET_ADMIN capability ({LibC.Describe(errno)}).",
                errno),
            LibC.EBUSY => new TunException(
                $"Interface name {shown} is in use: another process has that TUN device open. Choose another name " +
                "or stop the other program.",
                errno),
            LibC.EINVAL => new TunException(
                $"The kernel refused interface name {shown}: an interface that is not a TUN device already has it, " +
                "or the name is not valid.",
                errno),
            LibC.ENOENT or LibC.ENODEV or LibC.ENXIO => new TunException(
                $"The TUN driver is not available ({LibC.Describe(errno)}). Load the tun kernel module " +
                $"('modprobe tun'). {ContainerHint}",
                errno),
            _ => new TunException(
                $"Creating TUN interface {shown} failed: {LibC.Describe(errno)} (errno {errno}).", errno),
        };
    }

    public static TunException Deleted(string name) => new(
        $"The TUN interface '{name}' no longer exists: it was deleted (e.g. 'ip link del {name}').", LibC.EBADFD);

    public static TunException Io(string name, string operation, int errno) => new(
        $"{operation} on TUN interface '{name}' failed: {LibC.Describe(errno)} (errno {errno}).", errno);
}
