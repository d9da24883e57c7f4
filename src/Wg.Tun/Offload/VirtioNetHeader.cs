// struct virtio_net_hdr (include/uapi/linux/virtio_net.h): the 10-byte header that a TUN opened with IFF_VNET_HDR
// puts before every packet it hands out and expects before every packet it is given.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace WgSharp.Tun.Offload;

/// <summary>
/// The legacy virtio-net header a TUN uses by default (TUNSETVNETHDRSZ not called: 10 bytes). Its 16-bit fields
/// are in the host's byte order (tun_is_little_endian: legacy virtio is native-endian unless TUNSETVNETLE/BE).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct VirtioNetHeader
{
    /// <summary>sizeof(struct virtio_net_hdr).</summary>
    public const int Size = 10;

    /// <summary>VIRTIO_NET_HDR_F_NEEDS_CSUM: the checksum from ChecksumStart to the end is still to be computed and
    /// stored at ChecksumStart + ChecksumOffset (the field holds the pseudo-header sum); CHECKSUM_PARTIAL in an skb.</summary>
    public const byte FlagNeedsChecksum = 1;

    /// <summary>VIRTIO_NET_HDR_F_DATA_VALID: the checksum is known good (CHECKSUM_UNNECESSARY).</summary>
    public const byte FlagDataValid = 2;

    public const byte GsoNone = 0;
    public const byte GsoTcpV4 = 1;
    public const byte GsoUdp = 3;
    public const byte GsoTcpV6 = 4;
    public const byte GsoUdpL4 = 5;

    /// <summary>VIRTIO_NET_HDR_GSO_ECN, or-ed into the type: the super-packet's TCP header has CWR set.</summary>
    public const byte GsoEcn = 0x80;

    public byte Flags;
    public byte GsoType;

    /// <summary>Bytes of headers (IP + transport) in front of the payload; not trusted on read, see GsoSplitter.</summary>
    public ushort HeaderLength;

    /// <summary>Payload bytes per segment.</summary>
    public ushort GsoSize;
    public ushort ChecksumStart;
    public ushort ChecksumOffset;

    public static VirtioNetHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            ThrowHelper.ThrowArgument("A virtio_net_hdr needs 10 bytes.", nameof(source));
        }
        return Unsafe.ReadUnaligned<VirtioNetHeader>(ref MemoryMarshal.GetReference(source));
    }

    public readonly void Write(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            ThrowHelper.ThrowArgument("A virtio_net_hdr needs 10 bytes.", nameof(destination));
        }
        Unsafe.WriteUnaligned(ref MemoryMarshal.GetReference(destination), this);
    }

    /// <summary>Writes the all-zero header: a plain packet with a complete checksum.</summary>
    public static void WriteNone(Span<byte> destination) => default(VirtioNetHeader).Write(destination);
}
