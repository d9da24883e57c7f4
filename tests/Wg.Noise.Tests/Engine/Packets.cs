// Minimal valid IPv4/IPv6 packets for engine tests (the engine checks only the IP length fields).
using System.Buffers.Binary;

namespace WgSharp.Noise.Tests.Engine;

internal static class Packets
{
    public static byte[] IPv4(int payloadLength, int marker = 0)
    {
        var packet = new byte[20 + payloadLength];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = 17;
        packet[12] = 10; packet[15] = 1;
        packet[16] = 10; packet[19] = 2;
        if (payloadLength >= 4)
        {
            BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(20), marker);
        }

        return packet;
    }

    public static byte[] IPv6(int payloadLength)
    {
        var packet = new byte[40 + payloadLength];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)payloadLength);
        packet[6] = 17;
        packet[7] = 64;
        return packet;
    }

    public static int Marker(byte[] packet) => BinaryPrimitives.ReadInt32BigEndian(packet.AsSpan(20));
}
