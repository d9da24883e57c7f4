// Where an IPv6 packet's upper-layer header sits once the extension headers are walked
// (RFC 8200 4), and what the Fragment header, if any, said.
using System.Runtime.InteropServices;

namespace WgSharp.Router.Packets;

[StructLayout(LayoutKind.Auto)]
internal readonly struct Ipv6UpperLayer
{
    public Ipv6UpperLayer(byte protocol, int offset, bool hasFragmentHeader, int fragmentOffset, bool moreFragments, uint fragmentIdentification = 0)
    {
        FragmentIdentification = fragmentIdentification;
        Protocol = protocol;
        Offset = offset;
        HasFragmentHeader = hasFragmentHeader;
        FragmentOffset = fragmentOffset;
        MoreFragments = moreFragments;
    }

    /// <summary>The upper-layer protocol (TCP, UDP, ICMPv6, ESP, No Next Header, ...).</summary>
    public byte Protocol { get; }

    /// <summary>Byte offset of the upper-layer header from the start of the IPv6 packet.</summary>
    public int Offset { get; }

    public bool HasFragmentHeader { get; }

    /// <summary>Fragment offset in bytes (0 without a Fragment header).</summary>
    public int FragmentOffset { get; }

    public bool MoreFragments { get; }

    /// <summary>The Fragment header's Identification (RFC 8200 4.5); 0 without one.</summary>
    public uint FragmentIdentification { get; }

    /// <summary>True for any fragment: a Fragment header with a non-zero offset or the M flag.</summary>
    public bool IsFragment => HasFragmentHeader && (FragmentOffset != 0 || MoreFragments);

    /// <summary>True when the upper-layer header is in this packet (not a non-first fragment).</summary>
    public bool HasTransportHeader => FragmentOffset == 0;
}
