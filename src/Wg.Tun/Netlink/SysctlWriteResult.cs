// The outcome of writing a /proc/sys value: done, not allowed to (read-only), absent, or another failure.
namespace WgSharp.Tun.Netlink;

public enum SysctlWriteResult
{
    Written,

    /// <summary>
    /// The value exists but cannot be written here: EACCES/EPERM (mode or missing capability) or EROFS (/proc/sys
    /// mounted read-only, as in most containers). wg-quick goes on without the setting in this case.
    /// </summary>
    NotWritable,

    /// <summary>ENOENT: no such key (unknown interface, module not loaded, kernel without the feature).</summary>
    Missing,

    /// <summary>The kernel rejected the value (EINVAL, ERANGE) or another error happened.</summary>
    Failed,
}
