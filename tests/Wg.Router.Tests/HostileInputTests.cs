// Property tests: random bytes and randomly corrupted valid packets fed to every TryParse, every
// accessor of what parses, the option/extension-header walkers and the ICMP error builder must never
// throw, and any ICMP error built from them must parse back with valid checksums.
using FsCheck;
using FsCheck.Fluent;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Tests;

public class HostileInputTests
{
    private static readonly byte[][] Seeds = BuildSeeds();

    private static Gen<byte[]> RandomBytes =>
        Generators.Zip(Generators.Bytes(0, 160), Gen.Elements<byte>(0x45, 0x46, 0x4F, 0x60, 0x00, 0xFF))
            .Select(t =>
            {
                (byte[] data, byte first) = t;
                if (data.Length > 0 && first != 0xFF)
                {
                    data[0] = first;
                }
                return data;
            });

    /// <summary>A valid packet with 1..6 random bytes overwritten, then cut short or padded.</summary>
    private static Gen<byte[]> CorruptedPackets =>
        Generators.Zip(
                Gen.Elements(Seeds),
                Gen.ListOf(Generators.Zip(Gen.Choose(0, 2000), Generators.Byte)).Select(l => l.Take(6).ToArray()),
                Gen.Choose(-40, 8))
            .Select(t =>
            {
                (byte[] seed, (int Position, byte Value)[] edits, int lengthChange) = t;
                byte[] data = (byte[])seed.Clone();
                foreach ((int position, byte value) in edits)
                {
                    data[position % data.Length] = value;
                }
                int length = Math.Max(0, data.Length + lengthChange);
                byte[] result = new byte[length];
                data.AsSpan(0, Math.Min(length, data.Length)).CopyTo(result);
                return result;
            });

    [Fact]
    public void RandomBytesNeverThrow() =>
        Generators.Check(Prop.ForAll(Arb.From(RandomBytes), data => Exercise(data)), maxTest: 20000);

    [Fact]
    public void CorruptedValidPacketsNeverThrow() =>
        Generators.Check(Prop.ForAll(Arb.From(CorruptedPackets), data => Exercise(data)), maxTest: 20000);

    [Fact]
    public void SeedsAreValidAndExerciseTheDeepPaths()
    {
        foreach (byte[] seed in Seeds)
        {
            Assert.True(IpPacket.TryGetLength(seed, out int length));
            Assert.Equal(seed.Length, length);
            Assert.True(Exercise(seed));
        }
    }

    private static bool Exercise(byte[] original)
    {
        byte[] data = (byte[])original.Clone();
        long sink = 0;

        if (Ipv4Header.TryParse(data, out Ipv4Header v4))
        {
            sink += ReadAll(v4);
        }
        if (Ipv4Header.TryParseTruncated(data, out Ipv4Header v4t))
        {
            sink += ReadAll(v4t);
        }
        if (Ipv6Header.TryParse(data, out Ipv6Header v6))
        {
            sink += ReadAll(v6);
        }
        if (Ipv6Header.TryParseTruncated(data, out Ipv6Header v6t))
        {
            sink += ReadAll(v6t);
        }
        if (Ipv6Header.TryFindUpperLayer(data, out Ipv6UpperLayer upper))
        {
            sink += upper.Offset + upper.Protocol + upper.FragmentOffset;
        }
        sink += ExerciseTransport(data, TestPackets.V4A, TestPackets.V4B);
        sink += ExerciseTransport(data, TestPackets.V6A, TestPackets.V6B);

        sink += IpPacket.GetVersion(data);
        if (IpPacket.TryGetLength(data, out int length))
        {
            sink += length;
        }
        if (IpPacket.TryGetAddresses(data, out IpAddressKey s, out IpAddressKey d))
        {
            sink += s.GetHashCode() ^ d.GetHashCode();
        }
        if (IpPacket.TryGetSourceAddress(data, out ReadOnlySpan<byte> src) && IpPacket.TryGetDestinationAddress(data, out ReadOnlySpan<byte> dst))
        {
            sink += src.Length + dst.Length;
        }
        if (IpPacket.TryGetTransport(data, out byte protocol, out int offset) && IpPacket.TryGetLength(data, out int total))
        {
            byte[] transport = data[offset..total];
            bool v6Packet = IpPacket.GetVersion(data) == 6;
            sink += protocol + ExerciseTransport(transport, v6Packet ? TestPackets.V6A : TestPackets.V4A, v6Packet ? TestPackets.V6B : TestPackets.V4B);
        }
        if (IpAddressKey.TryCreate(data, out IpAddressKey key))
        {
            sink += key.GetHashCode();
        }

        return sink != long.MinValue && IcmpErrorsParseBack(original);
    }

    private static long ReadAll(Ipv4Header ip) =>
        ip.Packet.Length + ip.Ihl + ip.HeaderLength + ip.Options.Length + ip.Payload.Length + ip.TotalLength + ip.Identification
        + (ip.DontFragment ? 1 : 0) + (ip.MoreFragments ? 1 : 0) + ip.FragmentOffset + (ip.IsFragment ? 1 : 0) + ip.Ttl
        + ip.Protocol + ip.HeaderChecksum + ip.Source[0] + ip.Destination[3] + ip.SourceAddress.GetHashCode()
        + ip.DestinationAddress.GetHashCode() + (ip.IsHeaderChecksumValid ? 1 : 0) + (ip.IsTruncated ? 1 : 0) + ip.TypeOfService;

    private static long ReadAll(Ipv6Header ip)
    {
        long sum = ip.Packet.Length + ip.TrafficClass + ip.FlowLabel + ip.PayloadLength + ip.NextHeader + ip.HopLimit
            + ip.Source[15] + ip.Destination[0] + ip.SourceAddress.GetHashCode() + ip.DestinationAddress.GetHashCode()
            + ip.Payload.Length + (ip.IsTruncated ? 1 : 0);
        if (ip.TryFindUpperLayer(out Ipv6UpperLayer upper))
        {
            sum += upper.Offset;
        }
        return sum;
    }

    private static long ExerciseTransport(byte[] segment, byte[] source, byte[] destination)
    {
        long sink = 0;
        byte[] copy = (byte[])segment.Clone();
        if (TcpHeader.TryParse(copy, out TcpHeader tcp))
        {
            sink += tcp.SourcePort + tcp.DestinationPort + tcp.SequenceNumber + tcp.AcknowledgmentNumber + tcp.DataOffset
                + (byte)tcp.Flags + tcp.Window + tcp.Checksum + tcp.UrgentPointer + tcp.Options.Length + tcp.Payload.Length;
            foreach (TcpOption option in tcp.GetOptions())
            {
                sink += option.Kind + option.Offset + option.Data.Length;
            }
            if (tcp.TryGetMss(out ushort mss))
            {
                sink += mss;
            }
            tcp.TryClampMss(536);
            tcp.RewriteSourcePort(1);
            tcp.UpdateChecksumForAddressChange(source, destination);
            sink += source.Length == 4
                ? (tcp.IsChecksumValidV4(source, destination) ? 1 : 0)
                : (tcp.IsChecksumValidV6(source, destination) ? 1 : 0);
        }
        copy = (byte[])segment.Clone();
        if (UdpHeader.TryParse(copy, out UdpHeader udp))
        {
            sink += udp.SourcePort + udp.DestinationPort + udp.DatagramLength + udp.Checksum + udp.Payload.Length;
            udp.RewriteDestinationPort(2);
            sink += source.Length == 4
                ? (udp.IsChecksumValidV4(source, destination) ? 1 : 0)
                : (udp.IsChecksumValidV6(source, destination) ? 1 : 0);
        }
        copy = (byte[])segment.Clone();
        IcmpHeader icmp;
        if (source.Length == 4 ? IcmpHeader.TryParseV4(copy, out icmp) : IcmpHeader.TryParseV6(copy, out icmp))
        {
            sink += icmp.Type + icmp.Code + icmp.Checksum + icmp.RestOfHeader + icmp.Identifier + icmp.SequenceNumber
                + icmp.Body.Length + (icmp.IsError ? 1 : 0) + (icmp.IsEcho ? 1 : 0);
            if (icmp.TryGetMtu(out uint mtu))
            {
                sink += mtu;
            }
            Span<byte> embedded = icmp.EmbeddedPacket;
            if (Ipv4Header.TryParseTruncated(embedded, out Ipv4Header inner4))
            {
                sink += ReadAll(inner4);
            }
            if (Ipv6Header.TryParseTruncated(embedded, out Ipv6Header inner6))
            {
                sink += ReadAll(inner6);
            }
            icmp.RewriteIdentifier(3);
        }
        return sink;
    }

    private static bool IcmpErrorsParseBack(byte[] offending)
    {
        byte[] buffer = new byte[IcmpErrorBuilder.MaxLengthV6];
        foreach (IcmpErrorKind kind in Enum.GetValues<IcmpErrorKind>())
        {
            IpAddressKey source = IpPacket.GetVersion(offending) == 6 ? IpAddressKey.Parse("fd00::99") : IpAddressKey.Parse("10.9.9.9");
            if (!IcmpErrorBuilder.TryWrite(offending, kind, source, 1280, buffer, out int written))
            {
                continue;
            }
            Span<byte> error = buffer.AsSpan(0, written);
            if (source.IsV4)
            {
                if (!Ipv4Header.TryParse(error, out Ipv4Header ip) || !ip.IsHeaderChecksumValid || written > IcmpErrorBuilder.MaxLengthV4
                    || !IcmpHeader.TryParseV4(ip.Payload, out IcmpHeader icmp) || !icmp.IsChecksumValidV4)
                {
                    return false;
                }
            }
            else
            {
                if (!Ipv6Header.TryParse(error, out Ipv6Header ip) || written > IcmpErrorBuilder.MaxLengthV6
                    || !IcmpHeader.TryParseV6(ip.Payload, out IcmpHeader icmp) || !icmp.IsChecksumValidV6(ip.Source, ip.Destination))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static byte[][] BuildSeeds()
    {
        byte[] synOptions = [2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0];
        byte[] tcp4 = TestPackets.Tcp(TestPackets.V4A, TestPackets.V4B, 40000, 443, 0x02, synOptions, [1, 2, 3]);
        byte[] udp4 = TestPackets.Udp(TestPackets.V4A, TestPackets.V4B, 5353, 53, new byte[30]);
        byte[] echo4 = TestPackets.Icmp(IcmpTypes.V4.EchoRequest, 0, 0x00010001, new byte[16]);
        byte[] inner4 = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4B, TestPackets.V4A, udp4);
        byte[] error4 = TestPackets.Icmp(IcmpTypes.V4.DestinationUnreachable, 4, 1400, inner4[..48]);
        byte[] tcp6 = TestPackets.Tcp(TestPackets.V6A, TestPackets.V6B, 40000, 25, 0x02, synOptions, []);
        byte[] echo6 = TestPackets.Icmp(IcmpTypes.V6.EchoRequest, 0, 7, new byte[8], TestPackets.V6A, TestPackets.V6B);
        byte[] inner6 = TestPackets.Ipv6(IpProtocol.Tcp, TestPackets.V6B, TestPackets.V6A, tcp6);
        byte[] error6 = TestPackets.Icmp(IcmpTypes.V6.PacketTooBig, 0, 1280, inner6, TestPackets.V6A, TestPackets.V6B);
        return
        [
            TestPackets.Ipv4(IpProtocol.Tcp, TestPackets.V4A, TestPackets.V4B, tcp4, options: [1, 1, 1, 0]),
            TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, udp4),
            TestPackets.Ipv4(IpProtocol.Icmp, TestPackets.V4A, TestPackets.V4B, echo4),
            TestPackets.Ipv4(IpProtocol.Icmp, TestPackets.V4A, TestPackets.V4B, error4),
            TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, udp4, flagsAndOffset: 0x2000 | 3),
            TestPackets.Ipv6(IpProtocol.Tcp, TestPackets.V6A, TestPackets.V6B, tcp6),
            TestPackets.Ipv6(IpProtocol.HopByHopOptions, TestPackets.V6A, TestPackets.V6B,
                [.. Ipv6HeaderTests.HopByHop(IpProtocol.Fragment), .. Ipv6HeaderTests.Fragment(IpProtocol.DestinationOptions, 0, true),
                 .. Ipv6HeaderTests.DestinationOptions16(IpProtocol.IcmpV6), .. echo6]),
            TestPackets.Ipv6(IpProtocol.IcmpV6, TestPackets.V6A, TestPackets.V6B, error6),
            TestPackets.Ipv6(IpProtocol.AuthenticationHeader, TestPackets.V6A, TestPackets.V6B,
                [.. Ipv6HeaderTests.AuthenticationHeader24(IpProtocol.Udp), .. TestPackets.Udp(TestPackets.V6A, TestPackets.V6B, 1, 2, [3])]),
        ];
    }
}
