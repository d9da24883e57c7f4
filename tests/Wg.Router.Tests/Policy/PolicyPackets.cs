// Packets for the policy tests, built with the shared TestPackets helpers from address text, plus the
// IPv6 extension headers and fragments the rule stage must see through.
using System.Buffers.Binary;
using WgSharp.Router.Policy;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Tests.Policy;

internal static class PolicyPackets
{
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte Icmp = 1;
    public const byte IcmpV6 = 58;
    public const byte Syn = 0x02;
    public const byte Ack = 0x10;

    public static byte[] Address(string text)
    {
        IpAddressKey key = IpAddressKey.Parse(text);
        byte[] bytes = new byte[key.ByteLength];
        key.CopyTo(bytes);
        return bytes;
    }

    public static bool IsV6(string address) => address.Contains(':');

    /// <summary>An IPv4 or IPv6 packet (by the address text) around <paramref name="transport"/>, optionally behind IPv6 extension headers.</summary>
    public static byte[] Ip(byte protocol, string src, string dst, byte[] transport, byte[]? v6Extensions = null, byte firstNextHeader = 0)
    {
        if (!IsV6(src))
        {
            return TestPackets.Ipv4(protocol, Address(src), Address(dst), transport);
        }
        return v6Extensions is null
            ? TestPackets.Ipv6(protocol, Address(src), Address(dst), transport)
            : TestPackets.Ipv6(firstNextHeader, Address(src), Address(dst), [.. v6Extensions, .. transport]);
    }

    public static byte[] TcpPacket(string src, string dst, ushort srcPort, ushort dstPort, byte flags = Syn, byte[]? options = null, byte[]? payload = null) =>
        Ip(Tcp, src, dst, TestPackets.Tcp(Address(src), Address(dst), srcPort, dstPort, flags, options ?? [], payload ?? []));

    public static byte[] UdpPacket(string src, string dst, ushort srcPort, ushort dstPort, byte[]? payload = null) =>
        Ip(Udp, src, dst, TestPackets.Udp(Address(src), Address(dst), srcPort, dstPort, payload ?? [1, 2, 3]));

    /// <summary>An echo request (ICMPv4 type 8 / ICMPv6 type 128) with <paramref name="identifier"/>.</summary>
    public static byte[] EchoPacket(string src, string dst, ushort identifier)
    {
        bool v6 = IsV6(src);
        byte[] message = TestPackets.Icmp(
            v6 ? (byte)128 : (byte)8, 0, ((uint)identifier << 16) | 1, [9, 9, 9, 9],
            v6 ? Address(src) : null, v6 ? Address(dst) : null);
        return Ip(v6 ? IcmpV6 : Icmp, src, dst, message);
    }

    /// <summary>A Hop-by-Hop or Destination Options header of 8 bytes (one PadN option) followed by <paramref name="next"/>.</summary>
    public static byte[] OptionsHeader(byte next) => [next, 0, 1, 4, 0, 0, 0, 0];

    /// <summary>An IPv6 Fragment header: offset in bytes (multiple of 8), M flag.</summary>
    public static byte[] FragmentHeader(byte next, int offset, bool more) =>
        [next, 0, (byte)((offset >> 8) & 0xFF), (byte)((offset & 0xF8) | (more ? 1 : 0)), 0xde, 0xad, 0xbe, 0xef];

    /// <summary>Sets the IPv4 flags/fragment-offset field (offset in bytes) and fixes the header checksum.</summary>
    public static byte[] AsV4Fragment(byte[] packet, int offset, bool more)
    {
        ushort field = (ushort)((offset / 8) | (more ? 0x2000 : 0));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), field);
        int headerLength = (packet[0] & 0x0F) * 4;
        packet[10] = 0;
        packet[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), TestPackets.NaiveChecksum(packet[..headerLength]));
        return packet;
    }

    public static PacketSummary Summary(byte[] packet)
    {
        Assert.True(PacketSummary.TryParse(packet, out PacketSummary summary), "the test packet should parse");
        return summary;
    }
}

/// <summary>A stand-in for the device's peer object: identity is the reference.</summary>
internal sealed class TestPeer(string name)
{
    public override string ToString() => name;
}
