// Independent, naive RFC 1071 checksums for the packet targets: to check what the code under test
// wrote, and to make fuzzed packets valid so the fuzzer reaches past the checksum checks.
namespace WgSharp.Fuzz;

internal static class PacketChecks
{
    public static ushort Checksum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        ulong sum = initial;
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            sum += (uint)(data[i] << 8 | data[i + 1]);
        }
        if (data.Length % 2 == 1)
        {
            sum += (uint)data[^1] << 8;
        }
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    /// <summary>The IP header's length, the transport protocol, and the transport segment, for a plain
    /// IPv4 packet or an IPv6 packet without extension headers whose length fields match the bytes.</summary>
    public static bool TryLayout(ReadOnlySpan<byte> packet, out int ipHeaderLength, out byte protocol)
    {
        ipHeaderLength = 0;
        protocol = 0;
        if (packet.Length >= 20 && packet[0] >> 4 == 4)
        {
            ipHeaderLength = (packet[0] & 0x0F) * 4;
            protocol = packet[9];
            int total = packet[2] << 8 | packet[3];
            bool fragment = ((packet[6] << 8 | packet[7]) & 0x3FFF) != 0;
            return ipHeaderLength >= 20 && total == packet.Length && ipHeaderLength <= total && !fragment;
        }
        if (packet.Length >= 40 && packet[0] >> 4 == 6)
        {
            ipHeaderLength = 40;
            protocol = packet[6];
            return 40 + (packet[4] << 8 | packet[5]) == packet.Length;
        }
        return false;
    }

    /// <summary>The offset of the transport checksum inside the transport header, or -1.</summary>
    public static int ChecksumOffset(byte protocol, int transportLength) => protocol switch
    {
        6 when transportLength >= 20 => 16,
        17 when transportLength >= 8 => 6,
        1 or 58 when transportLength >= 4 => 2,
        _ => -1,
    };

    private static uint PseudoSum(ReadOnlySpan<byte> packet, byte protocol, int length)
    {
        bool v6 = packet[0] >> 4 == 6;
        if (protocol == 1 && !v6)
        {
            return 0; // ICMPv4 has no pseudo-header
        }
        ReadOnlySpan<byte> addresses = v6 ? packet.Slice(8, 32) : packet.Slice(12, 8);
        uint sum = 0;
        for (int i = 0; i < addresses.Length; i += 2)
        {
            sum += (uint)(addresses[i] << 8 | addresses[i + 1]);
        }
        return sum + protocol + (uint)(length >> 16) + (uint)(length & 0xFFFF);
    }

    /// <summary>Rewrites the IPv4 header checksum and the TCP/UDP/ICMP checksum so both are valid.</summary>
    public static void Fix(Span<byte> packet)
    {
        if (!TryLayout(packet, out int ipHeaderLength, out byte protocol))
        {
            return;
        }
        if (packet[0] >> 4 == 4)
        {
            packet[10] = packet[11] = 0;
            ushort header = Checksum(packet[..ipHeaderLength]);
            packet[10] = (byte)(header >> 8);
            packet[11] = (byte)header;
        }
        Span<byte> transport = packet[ipHeaderLength..];
        int at = ChecksumOffset(protocol, transport.Length);
        if (at < 0)
        {
            return;
        }
        transport[at] = transport[at + 1] = 0;
        ushort sum = Checksum(transport, PseudoSum(packet, protocol, transport.Length));
        if (sum == 0 && protocol == 17)
        {
            sum = 0xFFFF;
        }
        transport[at] = (byte)(sum >> 8);
        transport[at + 1] = (byte)sum;
    }

    /// <summary>Whether the IPv4 header checksum and the TCP/UDP/ICMP checksum are valid (an IPv4 UDP
    /// checksum of zero means none). Packets whose layout is not plain are reported valid.</summary>
    public static bool Valid(ReadOnlySpan<byte> packet)
    {
        if (!TryLayout(packet, out int ipHeaderLength, out byte protocol))
        {
            return true;
        }
        if (packet[0] >> 4 == 4 && Checksum(packet[..ipHeaderLength]) != 0)
        {
            return false;
        }
        ReadOnlySpan<byte> transport = packet[ipHeaderLength..];
        int at = ChecksumOffset(protocol, transport.Length);
        if (at < 0 || (protocol == 17 && packet[0] >> 4 == 4 && transport[at] == 0 && transport[at + 1] == 0))
        {
            return true;
        }
        return Checksum(transport, PseudoSum(packet, protocol, transport.Length)) == 0;
    }

    /// <summary>Whether the transport checksum at <paramref name="ipHeaderLength"/> is valid for
    /// <paramref name="protocol"/> (TCP or UDP; IPv6 extension headers, if any, before it).</summary>
    public static bool TransportValid(ReadOnlySpan<byte> packet, int ipHeaderLength, byte protocol)
    {
        ReadOnlySpan<byte> transport = packet[ipHeaderLength..];
        return Checksum(transport, PseudoSum(packet, protocol, transport.Length)) == 0;
    }
}
