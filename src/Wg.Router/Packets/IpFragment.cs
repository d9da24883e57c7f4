// The fragmentation fields of a packet: an IPv4 header's (RFC 791 3.1) or an IPv6 Fragment header's
// (RFC 8200 4.5), in one shape: which datagram the fragment belongs to, where its data goes, whether more follow.
using System.Runtime.InteropServices;

namespace WgSharp.Router.Packets;

[StructLayout(LayoutKind.Auto)]
internal readonly struct IpFragment
{
    /// <summary>Fragment offsets count 8-octet units (RFC 791 3.1, RFC 8200 4.5).</summary>
    public const int Unit = 8;

    /// <summary>Largest end of a fragment's data: a reassembled IPv4 datagram or IPv6 payload is at most 65,535 bytes.</summary>
    public const int MaxEnd = 65_535;

    public IpFragment(uint identification, int offset, int dataLength, bool moreFragments)
    {
        Identification = identification;
        Offset = offset;
        DataLength = dataLength;
        MoreFragments = moreFragments;
    }

    /// <summary>The IPv4 Identification (16 bits) or the IPv6 Fragment header's (32 bits).</summary>
    public uint Identification { get; }

    /// <summary>Where this fragment's data starts in the datagram's fragmentable part, in bytes.</summary>
    public int Offset { get; }

    /// <summary>Bytes of the fragmentable part this fragment carries (after its IP header, or after the Fragment header).</summary>
    public int DataLength { get; }

    public bool MoreFragments { get; }

    public int End => Offset + DataLength;

    /// <summary>False for a whole packet, and for an IPv6 atomic fragment (offset 0, M = 0: RFC 6946 makes it a whole packet).</summary>
    public bool IsFragment => Offset != 0 || MoreFragments;

    /// <summary>The fragment with offset 0: the only one holding the transport header and its ports.</summary>
    public bool IsFirst => Offset == 0 && MoreFragments;
}
