// Packet builders and a full-recomputation checksum verifier for the conntrack/NAT tests: every checksum
// a translated packet carries (IPv4 header, TCP/UDP/ICMP, and those of a packet quoted in an ICMP error)
// is checked with TestPackets' naive word-by-word sum, which shares no code with Packets.Checksum.
using System.Buffers.Binary;
using WgSharp.Router.Nat;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Tests.Nat;

internal static class NatTestPackets
{
    public const byte Syn = 0x02;
    public const byte SynAck = 0x12;
    public const byte Ack = 0x10;
    public const byte FinAck = 0x11;
    public const byte Rst = 0x04;
    public const byte PshAck = 0x18;

    public static byte[] Bytes(string address) => Key(address).ToIPAddress().GetAddressBytes();

    public static IpAddressKey Key(string address) => IpAddressKey.Parse(address);

    public static byte[] Tcp(string src, ushort srcPort, string dst, ushort dstPort, byte flags = Syn, int payload = 0, byte[]? options = null)
    {
        byte[] s = Bytes(src);
        byte[] d = Bytes(dst);
        byte[] data = Pattern(payload);
        byte[] segment = TestPackets.Tcp(s, d, srcPort, dstPort, flags, options ?? [], data);
        return s.Length == 4 ? TestPackets.Ipv4(IpProtocol.Tcp, s, d, segment, flagsAndOffset: 0x4000) : TestPackets.Ipv6(IpProtocol.Tcp, s, d, segment);
    }

    public static byte[] Udp(string src, ushort srcPort, string dst, ushort dstPort, int payload = 16)
    {
        byte[] s = Bytes(src);
        byte[] d = Bytes(dst);
        byte[] datagram = TestPackets.Udp(s, d, srcPort, dstPort, Pattern(payload));
        return s.Length == 4 ? TestPackets.Ipv4(IpProtocol.Udp, s, d, datagram) : TestPackets.Ipv6(IpProtocol.Udp, s, d, datagram);
    }

    /// <summary>An echo request (<paramref name="reply"/> false) or reply with identifier and sequence.</summary>
    public static byte[] Echo(string src, string dst, ushort identifier, bool reply = false, ushort sequence = 1, int payload = 32)
    {
        byte[] s = Bytes(src);
        byte[] d = Bytes(dst);
        uint rest = ((uint)identifier << 16) | sequence;
        if (s.Length == 4)
        {
            byte type = reply ? IcmpTypes.V4.EchoReply : IcmpTypes.V4.EchoRequest;
            return TestPackets.Ipv4(IpProtocol.Icmp, s, d, TestPackets.Icmp(type, 0, rest, Pattern(payload)));
        }
        byte type6 = reply ? IcmpTypes.V6.EchoReply : IcmpTypes.V6.EchoRequest;
        return TestPackets.Ipv6(IpProtocol.IcmpV6, s, d, TestPackets.Icmp(type6, 0, rest, Pattern(payload), s, d));
    }

    /// <summary>A packet of another protocol (GRE = 47 by default) with a few payload bytes.</summary>
    public static byte[] Other(string src, string dst, byte protocol = 47)
    {
        byte[] s = Bytes(src);
        byte[] d = Bytes(dst);
        return s.Length == 4 ? TestPackets.Ipv4(protocol, s, d, Pattern(12)) : TestPackets.Ipv6(protocol, s, d, Pattern(12));
    }

    public static byte[] Pattern(int length)
    {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = (byte)((i * 7) + 3);
        }
        return data;
    }

    /// <summary>
    /// Cuts a whole packet (IPv4 without options, or IPv6 without extension headers) into fragments carrying
    /// <paramref name="pieceBytes"/> bytes each (a multiple of 8) of what follows its IP header, as a sender does:
    /// IPv4 with More Fragments and the offset in its header, IPv6 with a Fragment header (RFC 8200 4.5).
    /// </summary>
    public static List<byte[]> Fragments(byte[] whole, int pieceBytes, uint id = 0x4242)
    {
        bool v4 = whole[0] >> 4 == 4;
        byte[] src = v4 ? whole[12..16] : whole[8..24];
        byte[] dst = v4 ? whole[16..20] : whole[24..40];
        byte protocol = v4 ? whole[9] : whole[6];
        byte[] data = v4 ? whole[20..] : whole[40..];
        List<byte[]> fragments = [];
        for (int offset = 0; offset < data.Length; offset += pieceBytes)
        {
            byte[] piece = data[offset..Math.Min(data.Length, offset + pieceBytes)];
            bool more = offset + pieceBytes < data.Length;
            if (v4)
            {
                fragments.Add(TestPackets.Ipv4(protocol, src, dst, piece, flagsAndOffset: (ushort)((more ? 0x2000 : 0) | (offset / 8)), id: (ushort)id));
            }
            else
            {
                byte[] header = new byte[8];
                header[0] = protocol;
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)(offset | (more ? 1 : 0)));
                BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), id);
                fragments.Add(TestPackets.Ipv6(IpProtocol.Fragment, src, dst, [.. header, .. piece]));
            }
        }
        return fragments;
    }

    /// <summary>
    /// What a receiver reassembles from <paramref name="fragments"/> (any order), as a whole packet; asserts every
    /// fragment agrees on the addresses and every IPv4 fragment header's checksum.
    /// </summary>
    public static byte[] Reassemble(IEnumerable<byte[]> fragments)
    {
        byte[]? src = null;
        byte[]? dst = null;
        byte protocol = 0;
        var pieces = new SortedDictionary<int, byte[]>();
        bool v4 = true;
        foreach (byte[] fragment in fragments)
        {
            v4 = fragment[0] >> 4 == 4;
            byte[] s = v4 ? fragment[12..16] : fragment[8..24];
            byte[] d = v4 ? fragment[16..20] : fragment[24..40];
            Assert.True(src is null || (src.SequenceEqual(s) && dst!.SequenceEqual(d)), "fragments disagree on their addresses");
            src = s;
            dst = d;
            if (v4)
            {
                Assert.Equal(0xFFFF, TestPackets.NaiveSum(fragment[..20]));
                protocol = fragment[9];
                pieces.Add((BinaryPrimitives.ReadUInt16BigEndian(fragment.AsSpan(6)) & 0x1FFF) * 8, fragment[20..]);
            }
            else
            {
                protocol = fragment[40];
                pieces.Add(BinaryPrimitives.ReadUInt16BigEndian(fragment.AsSpan(42)) & 0xFFF8, fragment[48..]);
            }
        }
        List<byte> data = [];
        foreach ((int offset, byte[] piece) in pieces)
        {
            Assert.Equal(offset, data.Count);
            data.AddRange(piece);
        }
        return v4 ? TestPackets.Ipv4(protocol, src!, dst!, [.. data]) : TestPackets.Ipv6(protocol, src!, dst!, [.. data]);
    }

    public static FlowTuple TupleOf(byte[] packet)
    {
        Assert.Equal(NatPacketStatus.Valid, NatPacket.Parse(packet, out NatPacket parsed));
        return parsed.Tuple;
    }

    public static string SourceOf(byte[] packet) => TupleOf(packet).Source.ToString();

    public static string DestinationOf(byte[] packet) => TupleOf(packet).Destination.ToString();

    public static ushort SourcePortOf(byte[] packet) => TupleOf(packet).SourcePort;

    public static ushort DestinationPortOf(byte[] packet) => TupleOf(packet).DestinationPort;

    /// <summary>
    /// Asserts every checksum in <paramref name="packet"/> by full recomputation: IPv4 header, TCP/UDP
    /// (pseudo header), ICMPv4 (message), ICMPv6 (pseudo header); for an ICMP error also the quoted
    /// IPv4 header and, when the quote is whole, the quoted transport checksum.
    /// </summary>
    public static void AssertChecksums(byte[] packet) => Assert.True(ChecksumsValid(packet, out string why), why);

    /// <summary>Like <see cref="AssertChecksums"/>, as a value; false (not an exception) for a packet too broken to walk.</summary>
    public static bool ChecksumsValid(byte[] packet, out string why)
    {
        try
        {
            return ChecksumsValidCore(packet, out why);
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException)
        {
            why = "unparseable: " + e.Message;
            return false;
        }
    }

    private static bool ChecksumsValidCore(byte[] packet, out string why)
    {
        why = "";
        int version = packet[0] >> 4;
        byte[] src;
        byte[] dst;
        int transportOffset;
        byte protocol;
        int length;
        if (version == 4)
        {
            int ihl = (packet[0] & 0x0F) * 4;
            length = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2));
            if (TestPackets.NaiveSum(packet[..ihl]) != 0xFFFF)
            {
                why = "IPv4 header checksum";
                return false;
            }
            src = packet[12..16];
            dst = packet[16..20];
            transportOffset = ihl;
            protocol = packet[9];
        }
        else
        {
            length = 40 + BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(4));
            src = packet[8..24];
            dst = packet[24..40];
            if (!Ipv6Header.TryFindUpperLayer(packet, out Ipv6UpperLayer upper))
            {
                why = "IPv6 header chain";
                return false;
            }
            transportOffset = upper.Offset;
            protocol = upper.Protocol;
        }
        byte[] transport = packet[transportOffset..length];
        switch (protocol)
        {
            case IpProtocol.Tcp:
            case IpProtocol.Udp:
                if (protocol == IpProtocol.Udp && version == 4 && BinaryPrimitives.ReadUInt16BigEndian(transport.AsSpan(6)) == 0)
                {
                    return true;
                }
                if (!TestPackets.NaiveVerifyTransport(transport, src, dst, protocol))
                {
                    why = protocol == IpProtocol.Tcp ? "TCP checksum" : "UDP checksum";
                    return false;
                }
                return true;
            case IpProtocol.Icmp when version == 4:
                if (TestPackets.NaiveSum(transport) != 0xFFFF)
                {
                    why = "ICMPv4 checksum";
                    return false;
                }
                return !IcmpTypes.V4.IsError(transport[0]) || QuotedValid(transport[8..], out why);
            case IpProtocol.IcmpV6 when version == 6:
                if (TestPackets.NaiveSum(TestPackets.PseudoHeaderV6(src, dst, IpProtocol.IcmpV6, transport.Length), transport) != 0xFFFF)
                {
                    why = "ICMPv6 checksum";
                    return false;
                }
                return !IcmpTypes.V6.IsError(transport[0]) || QuotedValid(transport[8..], out why);
            default:
                return true;
        }
    }

    private static bool QuotedValid(byte[] quoted, out string why)
    {
        why = "";
        if ((quoted[0] >> 4) == 4)
        {
            int ihl = (quoted[0] & 0x0F) * 4;
            if (TestPackets.NaiveSum(quoted[..ihl]) != 0xFFFF)
            {
                why = "quoted IPv4 header checksum";
                return false;
            }
            int total = BinaryPrimitives.ReadUInt16BigEndian(quoted.AsSpan(2));
            if (total > quoted.Length)
            {
                return true;
            }
        }
        else if (40 + BinaryPrimitives.ReadUInt16BigEndian(quoted.AsSpan(4)) > quoted.Length)
        {
            return true;
        }
        bool valid = ChecksumsValid(quoted, out string inner);
        why = "quoted " + inner;
        return valid;
    }
}
