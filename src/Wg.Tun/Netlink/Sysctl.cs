// Reads and writes kernel parameters under /proc/sys (sysctl(8) keys), telling "not writable here" apart from errors.
using System.Diagnostics.CodeAnalysis;
using System.Text;
using WgSharp.Tun.Interop;

namespace WgSharp.Tun.Netlink;

/// <summary>
/// Plain open/read/write on /proc/sys files with the errno kept. /proc/sys/net belongs to the network namespace of
/// the thread that opens the file, so a thread that entered a namespace with setns(2) reads and writes that
/// namespace's values — the same rule as for netlink sockets.
/// </summary>
public static unsafe class Sysctl
{
    private const int MaxValueLength = 4096;

    /// <summary>
    /// "/proc/sys/net/ipv4/conf/all/src_valid_mark" for "net.ipv4.conf.all.src_valid_mark". As in sysctl(8), a key
    /// whose first separator is '/' is already a path, and in a dotted key a '/' stands for a literal dot
    /// ("net.ipv4.conf.eth0/100.forwarding" names interface eth0.100).
    /// </summary>
    public static string PathOf(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        int separator = key.AsSpan().IndexOfAny('.', '/');
        string relative = separator >= 0 && key[separator] == '/'
            ? key.TrimStart('/')
            : string.Create(key.Length, key, static (span, k) =>
            {
                for (int i = 0; i < k.Length; i++)
                {
                    span[i] = k[i] switch { '.' => '/', '/' => '.', char c => c };
                }
            });
        foreach (string part in relative.Split('/'))
        {
            if (part.Length == 0 || part == "." || part == "..")
            {
                ThrowHelper.ThrowArgument($"'{key}' is not a sysctl key.", nameof(key));
            }
        }
        return "/proc/sys/" + relative;
    }

    /// <summary>Reads a value without its trailing newline; false and the errno (ENOENT, EACCES, ...) on failure.</summary>
    public static bool TryRead(string key, [NotNullWhen(true)] out string? value, out int errno)
    {
        value = null;
        int fd = LibC.Open(PathOf(key), LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            errno = LibC.LastErrno;
            return false;
        }
        try
        {
            byte* buffer = stackalloc byte[MaxValueLength];
            int total = 0;
            while (total < MaxValueLength)
            {
                nint read = LibC.Read(fd, buffer + total, (nuint)(MaxValueLength - total));
                if (read < 0)
                {
                    errno = LibC.LastErrno;
                    if (errno == LibC.EINTR)
                    {
                        continue;
                    }
                    return false;
                }
                if (read == 0)
                {
                    break;
                }
                total += (int)read;
            }
            value = Encoding.UTF8.GetString(buffer, total).TrimEnd('\n');
            errno = 0;
            return true;
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>Reads a value; throws <see cref="IOException"/> naming the key and errno when it cannot.</summary>
    public static string Read(string key)
    {
        if (!TryRead(key, out string? value, out int errno))
        {
            throw new IOException($"Cannot read sysctl {key} ({PathOf(key)}): {LibC.Describe(errno)} (errno {errno}).");
        }
        return value;
    }

    /// <summary>Whether the value could be written here, checked by opening it for writing without writing.</summary>
    public static bool IsWritable(string key)
    {
        int fd = LibC.Open(PathOf(key), LibC.O_WRONLY | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            return false;
        }
        LibC.Close(fd);
        return true;
    }

    /// <summary>Writes <paramref name="value"/> (as <c>sysctl -w key=value</c>); the errno explains anything but Written.</summary>
    public static SysctlWriteResult Write(string key, string value, out int errno)
    {
        ArgumentNullException.ThrowIfNull(value);
        int fd = LibC.Open(PathOf(key), LibC.O_WRONLY | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            errno = LibC.LastErrno;
            return Classify(errno);
        }
        try
        {
            byte[] bytes = Encoding.UTF8.GetBytes(value + "\n");
            fixed (byte* p = bytes)
            {
                while (true)
                {
                    nint written = LibC.Write(fd, p, (nuint)bytes.Length);
                    if (written >= 0)
                    {
                        errno = 0;
                        return SysctlWriteResult.Written;
                    }
                    errno = LibC.LastErrno;
                    if (errno != LibC.EINTR)
                    {
                        return Classify(errno);
                    }
                }
            }
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    private static SysctlWriteResult Classify(int errno) => errno switch
    {
        LibC.EACCES or LibC.EPERM or LibC.EROFS => SysctlWriteResult.NotWritable,
        LibC.ENOENT => SysctlWriteResult.Missing,
        _ => SysctlWriteResult.Failed,
    };
}
