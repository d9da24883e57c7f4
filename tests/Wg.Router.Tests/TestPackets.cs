// Hand-built IPv4/IPv6/TCP/UDP/ICMP packets for the tests, with checksums from a deliberately naive
// word-by-word implementation that shares no code with Packets.Checksum.
using System.Buffers.Binary;

namespace WgSharp.Router.Tests;

internal static class TestPackets
{
    public static readonly byte[] V4A = [10, 0, 0, 1];
    public static readonly byte[] V4B = [192, 168, 7, 42];
    public static readonly byte[] V6A = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    public static readonly byte[] V6B = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xef];

    /// <summary>RFC 1071 one's complement sum, one big-endian word at a time, folded at the end.</summary>
    public static ushort NaiveSum(params byte[][] pieces)
    {
        byte[] all = [.. pieces.SelectMany(p => p)];
        ulong sum = 0;
        for (int i = 0; i < all.Length; i += 2)
        {
            int hi = all[i];
            int lo = i + 1 < all.Length ? all[i + 1] : 0;
            sum += (ulong)((hi << 8) | lo);
        }
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)sum;
    }

    public static ushort NaiveChecksum(params byte[][] pieces) => (ushort)~NaiveSum(pieces);

    public static byte[] PseudoHeaderV4(byte[] src, byte[] dst, byte protocol, int length) =>
        [.. src, .. dst, 0, protocol, (byte)(length >> 8), (byte)length];

    public static byte[] PseudoHeaderV6(byte[] src, byte[] dst, byte nextHeader, int length) =>
        [.. src, .. dst, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, 0, 0, 0, nextHeader];

    public static byte[] Ipv4(byte protocol, byte[] src, byte[] dst, byte[] payload, byte[]? options = null,
        ushort flagsAndOffset = 0, byte ttl = 64, ushort id = 0x1234)
    {
        options ??= [];
        if (options.Length % 4 != 0)
        {
            throw new ArgumentException("options must be a multiple of 4 bytes");
        }
        int headerLength = 20 + options.Length;
        byte[] packet = new byte[headerLength + payload.Length];
        packet[0] = (byte)(0x40 | (headerLength / 4));
        packet[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), flagsAndOffset);
        packet[8] = ttl;
        packet[9] = protocol;
        src.CopyTo(packet, 12);
        dst.CopyTo(packet, 16);
        options.CopyTo(packet, 20);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), NaiveChecksum(packet[..headerLength]));
        payload.CopyTo(packet, headerLength);
        return packet;
    }

    /// <summary>An IPv6 packet; <paramref name="payload"/> includes any extension headers.</summary>
    public static byte[] Ipv6(byte nextHeader, byte[] src, byte[] dst, byte[] payload, byte hopLimit = 64)
    {
        byte[] packet = new byte[40 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(packet, 0x6_12_34567); // version 6, traffic class 0x12, flow 0x34567
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)payload.Length);
        packet[6] = nextHeader;
        packet[7] = hopLimit;
        src.CopyTo(packet, 8);
        dst.CopyTo(packet, 24);
        payload.CopyTo(packet, 40);
        return packet;
    }

    /// <summary>A TCP segment with a correct checksum for the given pseudo-header addresses (4 or 16 bytes).</summary>
    public static byte[] Tcp(byte[] src, byte[] dst, ushort srcPort, ushort dstPort, byte flags, byte[] options, byte[] payload,
        uint seq = 0x01020304, uint ack = 0x0a0b0c0d, ushort window = 0xfaf0)
    {
        if (options.Length % 4 != 0)
        {
            throw new ArgumentException("options must be a multiple of 4 bytes");
        }
        int headerLength = 20 + options.Length;
        byte[] segment = new byte[headerLength + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(segment, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), dstPort);
        BinaryPrimitives.WriteUInt32BigEndian(segment.AsSpan(4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(segment.AsSpan(8), ack);
        segment[12] = (byte)((headerLength / 4) << 4);
        segment[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(14), window);
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(18), 7);
        options.CopyTo(segment, 20);
        payload.CopyTo(segment, headerLength);
        SetTransportChecksum(segment, 16, src, dst, 6);
        return segment;
    }

    public static byte[] Udp(byte[] src, byte[] dst, ushort srcPort, ushort dstPort, byte[] payload)
    {
        byte[] datagram = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(datagram, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(2), dstPort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), (ushort)datagram.Length);
        payload.CopyTo(datagram, 8);
        SetTransportChecksum(datagram, 6, src, dst, 17);
        if (BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(6)) == 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(6), 0xFFFF);
        }
        return datagram;
    }

    /// <summary>An ICMPv4 message (checksum over the message) or, with addresses, ICMPv6 (pseudo header).</summary>
    public static byte[] Icmp(byte type, byte code, uint rest, byte[] body, byte[]? v6Src = null, byte[]? v6Dst = null)
    {
        byte[] message = new byte[8 + body.Length];
        message[0] = type;
        message[1] = code;
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), rest);
        body.CopyTo(message, 8);
        ushort checksum = v6Src is null
            ? NaiveChecksum(message)
            : NaiveChecksum(PseudoHeaderV6(v6Src, v6Dst!, 58, message.Length), message);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), checksum);
        return message;
    }

    public static bool NaiveVerifyTransport(byte[] segment, byte[] src, byte[] dst, byte protocol) =>
        src.Length == 4
            ? NaiveSum(PseudoHeaderV4(src, dst, protocol, segment.Length), segment) == 0xFFFF
            : NaiveSum(PseudoHeaderV6(src, dst, protocol, segment.Length), segment) == 0xFFFF;

    private static void SetTransportChecksum(byte[] segment, int checksumOffset, byte[] src, byte[] dst, byte protocol)
    {
        segment[checksumOffset] = 0;
        segment[checksumOffset + 1] = 0;
        byte[] pseudo = src.Length == 4
            ? PseudoHeaderV4(src, dst, protocol, segment.Length)
            : PseudoHeaderV6(src, dst, protocol, segment.Length);
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(checksumOffset), NaiveChecksum(pseudo, segment));
    }
}
