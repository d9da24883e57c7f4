// The addresses and ports (ICMP echo: the identifier) of a TCP, UDP or echo-request packet, as the
// router target compares them before and after NAT, and the reply or ICMP error the far end would send.
namespace WgSharp.Fuzz.Targets;

internal readonly record struct Endpoints(string Source, string Destination, byte Protocol, ushort SourcePort, ushort DestinationPort)
{
    private static readonly byte[] RouterV4 = [198, 51, 100, 1];
    private static readonly byte[] RouterV6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

    public Endpoints Inverted() => Protocol is 1 or 58
        ? this with { Source = Destination, Destination = Source }
        : new(Destination, Source, Protocol, DestinationPort, SourcePort);

    public override string ToString() => $"{Protocol} {Source}:{SourcePort} -> {Destination}:{DestinationPort}";

    /// <summary>A whole TCP, UDP or ICMP echo request/reply packet.</summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, out Endpoints endpoints)
    {
        endpoints = default;
        return PacketChecks.TryLayout(packet, out int ip, out byte protocol) && TryReadAt(packet, ip, protocol, packet.Length - ip, out endpoints);
    }

    /// <summary>The packet quoted by an ICMP error (its header and at least 8 transport bytes).</summary>
    public static bool TryReadQuoted(ReadOnlySpan<byte> error, out Endpoints endpoints)
    {
        endpoints = default;
        if (!PacketChecks.TryLayout(error, out int ip, out _) || error.Length < ip + 8 + 20)
        {
            return false;
        }
        ReadOnlySpan<byte> quoted = error[(ip + 8)..];
        int header = quoted[0] >> 4 == 4 ? (quoted[0] & 0x0F) * 4 : 40;
        byte protocol = quoted[0] >> 4 == 4 ? quoted[9] : quoted.Length >= 40 ? quoted[6] : (byte)0;
        return quoted.Length >= header + 8 && TryReadAt(quoted, header, protocol, quoted.Length - header, out endpoints);
    }

    private static bool TryReadAt(ReadOnlySpan<byte> packet, int ip, byte protocol, int transportLength, out Endpoints endpoints)
    {
        endpoints = default;
        bool v6 = packet[0] >> 4 == 6;
        string source = Convert.ToHexString(v6 ? packet.Slice(8, 16) : packet.Slice(12, 4));
        string destination = Convert.ToHexString(v6 ? packet.Slice(24, 16) : packet.Slice(16, 4));
        ReadOnlySpan<byte> t = packet[ip..];
        switch (protocol)
        {
            case 6 or 17 when transportLength >= 8:
                endpoints = new(source, destination, protocol, (ushort)(t[0] << 8 | t[1]), (ushort)(t[2] << 8 | t[3]));
                return true;
            case 1 or 58 when transportLength >= 8 && t[0] is 8 or 0 or 128 or 129:
                ushort id = (ushort)(t[4] << 8 | t[5]);
                endpoints = new(source, destination, protocol, id, id);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The answer of the packet's destination: addresses and ports swapped, an echo request answered,
    /// a SYN answered with SYN-ACK and anything else with ACK.</summary>
    public static byte[] Reply(ReadOnlySpan<byte> packet, Endpoints of)
    {
        byte[] reply = packet.ToArray();
        bool v6 = reply[0] >> 4 == 6;
        SwapAddresses(reply, v6);
        PacketChecks.TryLayout(reply, out int ip, out _);
        Span<byte> t = reply.AsSpan(ip);
        if (of.Protocol is 6 or 17)
        {
            (t[0], t[1], t[2], t[3]) = (t[2], t[3], t[0], t[1]);
            if (of.Protocol == 6 && t.Length >= 20)
            {
                t[13] = (t[13] & 0x17) == 0x02 ? (byte)0x12 : (byte)0x10;
            }
        }
        else
        {
            t[0] = t[0] switch { 8 => 0, 128 => 129, _ => t[0] };
        }
        PacketChecks.Fix(reply);
        return reply;
    }

    /// <summary>A destination-unreachable error from a router on the way, to the packet's source, quoting it.</summary>
    public static byte[] ErrorAbout(ReadOnlySpan<byte> packet, Endpoints of)
    {
        bool v6 = packet[0] >> 4 == 6;
        int header = v6 ? 40 : 20;
        ReadOnlySpan<byte> quote = packet[..Math.Min(packet.Length, v6 ? 1232 : 548)];
        byte[] error = new byte[header + 8 + quote.Length];
        if (v6)
        {
            error[0] = 0x60;
            error[4] = (byte)((8 + quote.Length) >> 8);
            error[5] = (byte)(8 + quote.Length);
            error[6] = 58;
            error[7] = 64;
            RouterV6.CopyTo(error, 8);
            packet.Slice(8, 16).CopyTo(error.AsSpan(24));
            error[40] = 1; // destination unreachable, code 0
        }
        else
        {
            error[0] = 0x45;
            error[2] = (byte)(error.Length >> 8);
            error[3] = (byte)error.Length;
            error[8] = 64;
            error[9] = 1;
            RouterV4.CopyTo(error, 12);
            packet.Slice(12, 4).CopyTo(error.AsSpan(16));
            error[20] = 3; // destination unreachable
            error[21] = 1; // host unreachable
        }
        quote.CopyTo(error.AsSpan(header + 8));
        PacketChecks.Fix(error);
        _ = of;
        return error;
    }

    private static void SwapAddresses(Span<byte> packet, bool v6)
    {
        int at = v6 ? 8 : 12, size = v6 ? 16 : 4;
        Span<byte> temporary = stackalloc byte[16];
        packet.Slice(at, size).CopyTo(temporary);
        packet.Slice(at + size, size).CopyTo(packet.Slice(at));
        temporary[..size].CopyTo(packet.Slice(at + size));
    }
}
