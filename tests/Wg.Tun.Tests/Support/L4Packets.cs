// Builds and inspects TCP and UDP packets over IPv4/IPv6 for the offload tests (RFC 791, 8200, 793, 768), with a
// deliberately naive checksum so the code under test is never checked against itself.
using System.Buffers.Binary;
using System.Net;

namespace WgSharp.Tun.Tests.Support;

internal static class L4Packets
{
    public const byte Fin = 0x01;
    public const byte Syn = 0x02;
    public const byte Rst = 0x04;
    public const byte Psh = 0x08;
    public const byte Ack = 0x10;
    public const byte Urg = 0x20;
    public const byte Ece = 0x40;
    public const byte Cwr = 0x80;

    public static readonly IPAddress V4A = IPAddress.Parse("10.9.0.1");
    public static readonly IPAddress V4B = IPAddress.Parse("10.9.0.2");
    public static readonly IPAddress V6A = IPAddress.Parse("fd00:9::1");
    public static readonly IPAddress V6B = IPAddress.Parse("fd00:9::2");

    /// <summary>Fields of one TCP segment; the defaults are a plain ACK in an established flow.</summary>
    public sealed record Tcp
    {
        public IPAddress Source { get; init; } = V4A;
        public IPAddress Destination { get; init; } = V4B;
        public ushort SourcePort { get; init; } = 40000;
        public ushort DestinationPort { get; init; } = 5201;
        public uint Sequence { get; init; } = 1000;
        public uint Acknowledgment { get; init; } = 7;
        public byte Flags { get; init; } = Ack;
        public ushort Window { get; init; } = 512;
        public byte[] Options { get; init; } = [];
        public byte[] Payload { get; init; } = [];
        public byte Ttl { get; init; } = 64;
        public byte Tos { get; init; }
        public ushort Id { get; init; } = 100;
        public bool DontFragment { get; init; } = true;
        public uint FlowLabel { get; init; }
    }

    /// <summary>A TCP packet with correct IP and TCP checksums (options padded to 4 bytes by the caller).</summary>
    public static byte[] Build(Tcp t)
    {
        bool v6 = t.Source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        int ipHeader = v6 ? 40 : 20;
        int tcpHeader = 20 + t.Options.Length;
        byte[] packet = new byte[ipHeader + tcpHeader + t.Payload.Length];
        WriteIpHeader(packet, v6, 6, t.Source, t.Destination, t.Ttl, t.Tos, t.Id, t.DontFragment, t.FlowLabel);
        Span<byte> tcp = packet.AsSpan(ipHeader);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, t.SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], t.DestinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], t.Sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], t.Acknowledgment);
        tcp[12] = (byte)((tcpHeader / 4) << 4);
        tcp[13] = t.Flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], t.Window);
        t.Options.CopyTo(tcp[20..]);
        t.Payload.CopyTo(tcp[tcpHeader..]);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], TransportChecksum(packet));
        return packet;
    }

    /// <summary>A UDP packet with correct checksums.</summary>
    public static byte[] Udp(IPAddress source, ushort sourcePort, IPAddress destination, ushort destinationPort,
        byte[] payload, ushort id = 100)
    {
        bool v6 = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        int ipHeader = v6 ? 40 : 20;
        byte[] packet = new byte[ipHeader + 8 + payload.Length];
        WriteIpHeader(packet, v6, 17, source, destination, 64, 0, id, true, 0);
        Span<byte> udp = packet.AsSpan(ipHeader);
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload.Length));
        payload.CopyTo(udp[8..]);
        ushort checksum = TransportChecksum(packet);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
        return packet;
    }

    /// <summary>The RFC 1323 timestamp option (with two NOPs in front), 12 bytes.</summary>
    public static byte[] Timestamps(uint value, uint echo)
    {
        byte[] option = [1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0];
        BinaryPrimitives.WriteUInt32BigEndian(option.AsSpan(4), value);
        BinaryPrimitives.WriteUInt32BigEndian(option.AsSpan(8), echo);
        return option;
    }

    public static bool IsV6(ReadOnlySpan<byte> packet) => packet[0] >> 4 == 6;

    public static int IpHeaderLength(ReadOnlySpan<byte> packet) => IsV6(packet) ? 40 : (packet[0] & 0xF) * 4;

    public static byte Protocol(ReadOnlySpan<byte> packet) => IsV6(packet) ? packet[6] : packet[9];

    public static int TcpHeaderLength(ReadOnlySpan<byte> packet) => (packet[IpHeaderLength(packet) + 12] >> 4) * 4;

    public static uint Sequence(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt32BigEndian(packet[(IpHeaderLength(packet) + 4)..]);

    public static uint Acknowledgment(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt32BigEndian(packet[(IpHeaderLength(packet) + 8)..]);

    public static byte TcpFlags(ReadOnlySpan<byte> packet) => packet[IpHeaderLength(packet) + 13];

    public static ushort TcpWindow(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet[(IpHeaderLength(packet) + 14)..]);

    public static ushort SourcePort(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet[IpHeaderLength(packet)..]);

    public static ushort Ipv4Id(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);

    /// <summary>The IP header's own length field agrees with the packet (IPv4 total length, IPv6 payload length).</summary>
    public static bool LengthFieldMatches(ReadOnlySpan<byte> packet) => IsV6(packet)
        ? BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) == packet.Length - 40
        : BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) == packet.Length;

    public static byte[] TcpPayload(ReadOnlySpan<byte> packet) =>
        packet[(IpHeaderLength(packet) + TcpHeaderLength(packet))..].ToArray();

    public static byte[] UdpPayload(ReadOnlySpan<byte> packet) => packet[(IpHeaderLength(packet) + 8)..].ToArray();

    /// <summary>IPv4 header checksum correct (always true for IPv6, which has none).</summary>
    public static bool IpChecksumValid(ReadOnlySpan<byte> packet) => IsV6(packet) || NaiveSum(packet[..IpHeaderLength(packet)]) == 0xFFFF;

    /// <summary>TCP/UDP checksum correct over the pseudo header and the whole segment.</summary>
    public static bool TransportChecksumValid(ReadOnlySpan<byte> packet) =>
        NaiveSum(PseudoHeader(packet), packet[IpHeaderLength(packet)..]) == 0xFFFF;

    /// <summary>The transport checksum as it should be (field taken as zero).</summary>
    public static ushort TransportChecksum(ReadOnlySpan<byte> packet)
    {
        byte[] copy = packet.ToArray();
        int at = IpHeaderLength(packet) + (Protocol(packet) == 6 ? 16 : 6);
        copy[at] = copy[at + 1] = 0;
        return (ushort)~NaiveSum(PseudoHeader(copy), copy.AsSpan(IpHeaderLength(packet)));
    }

    /// <summary>The pseudo-header sum (folded, not complemented) for the packet's transport segment.</summary>
    public static ushort PseudoHeaderSum(ReadOnlySpan<byte> packet) => (ushort)NaiveSum(PseudoHeader(packet), []);

    private static byte[] PseudoHeader(ReadOnlySpan<byte> packet)
    {
        int length = packet.Length - IpHeaderLength(packet);
        if (IsV6(packet))
        {
            byte[] pseudo = new byte[40];
            packet.Slice(8, 32).CopyTo(pseudo);
            BinaryPrimitives.WriteUInt32BigEndian(pseudo.AsSpan(32), (uint)length);
            pseudo[39] = Protocol(packet);
            return pseudo;
        }
        byte[] v4 = new byte[12];
        packet.Slice(12, 8).CopyTo(v4);
        v4[9] = Protocol(packet);
        BinaryPrimitives.WriteUInt16BigEndian(v4.AsSpan(10), (ushort)length);
        return v4;
    }

    /// <summary>One's complement sum of the concatenation, word by word, folded at the end.</summary>
    private static uint NaiveSum(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        byte[] all = [.. first, .. second];
        long sum = 0;
        for (int i = 0; i < all.Length; i += 2)
        {
            sum += (all[i] << 8) | (i + 1 < all.Length ? all[i + 1] : 0);
        }
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (uint)sum;
    }

    private static uint NaiveSum(ReadOnlySpan<byte> data) => NaiveSum(data, []);

    private static void WriteIpHeader(Span<byte> packet, bool v6, byte protocol, IPAddress source, IPAddress destination,
        byte ttl, byte tos, ushort id, bool dontFragment, uint flowLabel)
    {
        if (v6)
        {
            BinaryPrimitives.WriteUInt32BigEndian(packet, (6u << 28) | ((uint)tos << 20) | (flowLabel & 0xFFFFF));
            BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)(packet.Length - 40));
            packet[6] = protocol;
            packet[7] = ttl;
            source.TryWriteBytes(packet[8..], out _);
            destination.TryWriteBytes(packet[24..], out _);
            return;
        }
        packet[0] = 0x45;
        packet[1] = tos;
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet[4..], id);
        packet[6] = dontFragment ? (byte)0x40 : (byte)0;
        packet[8] = ttl;
        packet[9] = protocol;
        source.TryWriteBytes(packet[12..], out _);
        destination.TryWriteBytes(packet[16..], out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet[10..], (ushort)~NaiveSum(packet[..20]));
    }
}
