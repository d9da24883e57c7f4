// Builds and inspects the few IPv4 packets the TUN tests exchange with the kernel (RFC 791, 768, 792).
using System.Buffers.Binary;
using System.Net;

namespace WgSharp.Tun.Tests.Support;

internal static class Packets
{
    public const byte Icmp = 1;
    public const byte Udp = 17;

    /// <summary>An IPv4/UDP packet with valid header and UDP checksums.</summary>
    public static byte[] Udp4(IPAddress source, ushort sourcePort, IPAddress destination, ushort destinationPort,
        ReadOnlySpan<byte> payload)
    {
        int udpLength = 8 + payload.Length;
        byte[] packet = new byte[20 + udpLength];
        WriteIPv4Header(packet, Udp, source, destination);
        Span<byte> udp = packet.AsSpan(20);
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        payload.CopyTo(udp[8..]);
        // UDP checksum over the pseudo-header (addresses, protocol, length) and the datagram.
        uint sum = Sum(packet.AsSpan(12, 8)) + Udp + (uint)udpLength + Sum(udp);
        ushort checksum = Fold(sum);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xffff : checksum);
        return packet;
    }

    /// <summary>Turns an ICMP echo request read from the TUN into the matching echo reply.</summary>
    public static byte[] EchoReplyFor(ReadOnlySpan<byte> request)
    {
        int headerLength = (request[0] & 0xf) * 4;
        byte[] reply = request.ToArray();
        request.Slice(16, 4).CopyTo(reply.AsSpan(12)); // source := old destination
        request.Slice(12, 4).CopyTo(reply.AsSpan(16)); // destination := old source
        reply[10] = reply[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(10), Fold(Sum(reply.AsSpan(0, headerLength))));
        Span<byte> icmp = reply.AsSpan(headerLength);
        icmp[0] = 0; // echo reply
        icmp[2] = icmp[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Fold(Sum(icmp)));
        return reply;
    }

    public static bool IsIPv4(ReadOnlySpan<byte> packet) => packet.Length >= 20 && packet[0] >> 4 == 4;

    public static byte Protocol(ReadOnlySpan<byte> packet) => packet[9];

    public static IPAddress Destination(ReadOnlySpan<byte> packet) => new(packet.Slice(16, 4));

    public static bool IsEchoRequestTo(ReadOnlySpan<byte> packet, IPAddress destination) =>
        IsIPv4(packet) && Protocol(packet) == Icmp && Destination(packet).Equals(destination)
        && packet[(packet[0] & 0xf) * 4] == 8;

    private static void WriteIPv4Header(Span<byte> packet, byte protocol, IPAddress source, IPAddress destination)
    {
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = protocol;
        source.TryWriteBytes(packet[12..], out _);
        destination.TryWriteBytes(packet[16..], out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet[10..], Fold(Sum(packet[..20])));
    }

    private static uint Sum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }
        if (i < data.Length)
        {
            sum += (uint)(data[i] << 8);
        }
        return sum;
    }

    private static ushort Fold(uint sum)
    {
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (ushort)~sum;
    }
}
