// TCP MSS clamping (the [Interface] MssClamp setting): lowers the Maximum Segment Size option of SYN
// and SYN-ACK segments so that the peers' segments fit the tunnel, as iptables TCPMSS does.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Policy;

/// <summary>
/// A clamp setting: off, auto (from the tunnel MTU, per family) or a fixed MSS. Applied to packets in
/// both directions; it only ever lowers an MSS option, leaves segments without one, and leaves non-first
/// fragments alone (they carry no TCP header).
/// </summary>
/// <remarks>
/// A SYN without the option makes the other side assume 536 (IPv4) or 1220 (IPv6) (RFC 9293 3.7.1,
/// MUST-15), which auto clamping never goes below for a tunnel MTU of at least 576 / 1280. Only a fixed
/// clamp below those defaults would need an option inserted (as Linux's TCPMSS target does); inserting
/// one grows the packet, so it is not done here.
/// </remarks>
[StructLayout(LayoutKind.Auto)]
internal readonly struct MssClamp : IEquatable<MssClamp>
{
    /// <summary>IPv4 and TCP fixed headers: the MSS counts neither header's options (RFC 9293 3.7.1, RFC 6691 2).</summary>
    public const int Ipv4Overhead = 40;

    /// <summary>IPv6 and TCP fixed headers.</summary>
    public const int Ipv6Overhead = 60;

    /// <summary>Smallest tunnel MTU accepted for auto: the IPv4 minimum (RFC 791).</summary>
    public const int MinMtu = 68;

    private readonly ushort _maximumV4;
    private readonly ushort _maximumV6;

    private MssClamp(ushort maximumV4, ushort maximumV6)
    {
        _maximumV4 = maximumV4;
        _maximumV6 = maximumV6;
    }

    /// <summary>No clamping (<c>default</c>).</summary>
    public static MssClamp Off => default;

    /// <summary>"MssClamp = auto": the tunnel MTU minus 40 for IPv4 and minus 60 for IPv6.</summary>
    public static MssClamp ForMtu(int mtu)
    {
        if (mtu < MinMtu || mtu > ushort.MaxValue)
        {
            PolicyThrowHelper.ThrowArgumentOutOfRange(nameof(mtu), mtu, $"A tunnel MTU is {MinMtu} to {ushort.MaxValue}.");
        }
        return new MssClamp((ushort)(mtu - Ipv4Overhead), (ushort)(mtu - Ipv6Overhead));
    }

    /// <summary>"MssClamp = &lt;bytes&gt;": the same maximum for both families.</summary>
    public static MssClamp Fixed(ushort mss)
    {
        if (mss == 0)
        {
            PolicyThrowHelper.ThrowArgumentOutOfRange(nameof(mss), mss, "An MSS is at least 1 byte.");
        }
        return new MssClamp(mss, mss);
    }

    public bool IsEnabled => _maximumV4 != 0;

    /// <summary>The largest MSS an IPv4 SYN may carry (0 when off).</summary>
    public ushort MaximumV4 => _maximumV4;

    /// <summary>The largest MSS an IPv6 SYN may carry (0 when off).</summary>
    public ushort MaximumV6 => _maximumV6;

    /// <summary>Parses <paramref name="packet"/> and clamps it; true when it changed. Never throws on packet bytes.</summary>
    public bool TryClamp(Span<byte> packet) =>
        IsEnabled && PacketSummary.TryParse(packet, out PacketSummary summary) && TryClamp(packet, summary);

    /// <summary>Clamps a packet already parsed into <paramref name="summary"/> (which must describe it); true when it changed.</summary>
    public bool TryClamp(Span<byte> packet, in PacketSummary summary) =>
        IsEnabled && TryClamp(packet, summary, summary.Family == IpFamily.V4 ? _maximumV4 : _maximumV6);

    /// <summary>Lowers the MSS of a SYN / SYN-ACK in <paramref name="packet"/> to <paramref name="maximumMss"/>; true when it changed.</summary>
    public static bool TryClamp(Span<byte> packet, ushort maximumMss) =>
        PacketSummary.TryParse(packet, out PacketSummary summary) && TryClamp(packet, summary, maximumMss);

    /// <summary>
    /// Lowers every well-formed MSS option (kind 2, length 4) above <paramref name="maximumMss"/> in a
    /// TCP segment with SYN set and RST clear, updating the TCP checksum incrementally (RFC 1624, right
    /// for options at odd offsets too); true when anything changed. Every MSS option, because receivers
    /// differ on which of several they use (Linux takes the last). Options after a malformed one are not
    /// read (TcpOptionEnumerator stops there). <paramref name="summary"/> must describe <paramref name="packet"/>.
    /// </summary>
    public static bool TryClamp(Span<byte> packet, in PacketSummary summary, ushort maximumMss)
    {
        if (summary.Protocol != IpProtocol.Tcp || !summary.HasTransportHeader ||
            (summary.TcpFlags & (TcpFlags.Syn | TcpFlags.Rst)) != TcpFlags.Syn)
        {
            return false;
        }
        Span<byte> segment = packet[summary.TransportOffset..summary.Length];
        Span<byte> header = segment[..((segment[12] >> 4) * 4)];
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(segment[16..]);
        bool changed = false;
        foreach (TcpOption option in new TcpOptionEnumerator(header))
        {
            if (option.Kind != TcpOption.KindMaximumSegmentSize || option.Data.Length != 2)
            {
                continue;
            }
            ushort mss = BinaryPrimitives.ReadUInt16BigEndian(option.Data);
            if (mss > maximumMss)
            {
                BinaryPrimitives.WriteUInt16BigEndian(option.Data, maximumMss);
                checksum = Checksum.UpdateAt(checksum, option.Offset + 2, mss, maximumMss);
                changed = true;
            }
        }
        if (changed)
        {
            BinaryPrimitives.WriteUInt16BigEndian(segment[16..], checksum);
        }
        return changed;
    }

    public bool Equals(MssClamp other) => _maximumV4 == other._maximumV4 && _maximumV6 == other._maximumV6;

    public override bool Equals(object? obj) => obj is MssClamp other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_maximumV4, _maximumV6);

    public static bool operator ==(MssClamp left, MssClamp right) => left.Equals(right);

    public static bool operator !=(MssClamp left, MssClamp right) => !left.Equals(right);

    public override string ToString() => IsEnabled ? $"ipv4 {_maximumV4}, ipv6 {_maximumV6}" : "off";
}
