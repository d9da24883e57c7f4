// ioctl(2) with struct ifreq: TUN requests (linux/if_tun.h) and interface requests (linux/sockios.h).
using System.Runtime.InteropServices;

namespace WgSharp.Tun.Interop;

internal static unsafe partial class LibC
{
    /// <summary>IFNAMSIZ from linux/if.h: names are at most 15 bytes plus the terminating NUL.</summary>
    internal const int IFNAMSIZ = 16;

    // _IOW('T', 202, int) and _IOR('T', 210, unsigned int).
    internal const uint TUNSETIFF = 0x400454ca;
    internal const uint TUNGETIFF = 0x800454d2;

    // _IOW('T', 208, unsigned int): which offloads the reader of the fd can take (linux/if_tun.h).
    internal const uint TUNSETOFFLOAD = 0x400454d0;

    // _IOR('T', 215, int): the size of the virtio header in front of each packet (10 unless someone changed it).
    internal const uint TUNGETVNETHDRSZ = 0x800454d7;

    internal const short IFF_TUN = 0x0001;
    internal const short IFF_NO_PI = 0x1000;

    /// <summary>Every packet read or written carries a struct virtio_net_hdr first (linux/if_tun.h).</summary>
    internal const short IFF_VNET_HDR = 0x4000;

    // TUNSETOFFLOAD flags (linux/if_tun.h): TUN_F_CSUM lets the kernel hand over packets with a partial checksum,
    // TSO4/TSO6 TCP super-packets (2.6.27+), USO4/USO6 UDP super-packets (6.2+).
    internal const uint TUN_F_CSUM = 0x01;
    internal const uint TUN_F_TSO4 = 0x02;
    internal const uint TUN_F_TSO6 = 0x04;
    internal const uint TUN_F_USO4 = 0x20;
    internal const uint TUN_F_USO6 = 0x40;

    internal const uint SIOCGIFFLAGS = 0x8913;
    internal const uint SIOCGIFMTU = 0x8921;
    internal const uint SIOCSIFMTU = 0x8922;
    internal const uint SIOCGIFINDEX = 0x8933;

    internal const int IFF_UP = 0x1;
    internal const int IFF_RUNNING = 0x40;

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Library, EntryPoint = "if_nametoindex", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial uint IfNameToIndex(string name);

    /// <summary>struct ifreq: a 16-byte name followed by a 24-byte union (flags, ifindex, mtu, ...).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 40)]
    internal struct IfReq
    {
        [FieldOffset(0)] public fixed byte Name[IFNAMSIZ];
        [FieldOffset(16)] public short Flags;
        [FieldOffset(16)] public int IfIndex;
        [FieldOffset(16)] public int Mtu;

        /// <summary>Copies an interface name (already validated to fit in 15 UTF-8 bytes) into ifr_name.</summary>
        public void SetName(string name)
        {
            fixed (byte* p = Name)
            {
                var span = new Span<byte>(p, IFNAMSIZ);
                span.Clear();
                System.Text.Encoding.UTF8.GetBytes(name, span[..(IFNAMSIZ - 1)]);
            }
        }

        public readonly string GetName()
        {
            fixed (byte* p = Name)
            {
                int length = 0;
                while (length < IFNAMSIZ && p[length] != 0)
                {
                    length++;
                }
                return System.Text.Encoding.UTF8.GetString(p, length);
            }
        }
    }
}
