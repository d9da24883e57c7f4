// Packet hot paths: the Internet checksum over a 1420-byte (tunnel MTU) packet, incremental updates,
// and parsing IPv4/TCP and IPv6/extension-headers/TCP views.
using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using WgSharp.Router.Packets;

namespace WgSharp.Bench;

[MemoryDiagnoser]
public class PacketBenchmarks
{
    private readonly byte[] _payload1420 = new byte[1420];
    private readonly byte[] _ipv4Tcp = new byte[1420];
    private readonly byte[] _ipv6Tcp = new byte[1420];
    private readonly byte[] _source4 = [10, 0, 0, 1];
    private readonly byte[] _source4b = [100, 64, 0, 9];

    [GlobalSetup]
    public void Setup()
    {
        new Random(7).NextBytes(_payload1420);

        // IPv4 (IHL 5) + TCP with an MSS option.
        Span<byte> v4 = _ipv4Tcp;
        v4[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(v4[2..], (ushort)v4.Length);
        v4[8] = 64;
        v4[9] = IpProtocol.Tcp;
        _source4.CopyTo(v4[12..]);
        new byte[] { 10, 0, 0, 2 }.CopyTo(v4[16..]);
        WriteTcp(v4[20..]);
        Ipv4Header.TryParse(v4, out Ipv4Header ip4);
        ip4.UpdateHeaderChecksum();

        // IPv6 + Hop-by-Hop + Destination Options + TCP.
        Span<byte> v6 = _ipv6Tcp;
        v6[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(v6[4..], (ushort)(v6.Length - 40));
        v6[6] = IpProtocol.HopByHopOptions;
        v6[7] = 64;
        v6[8] = 0xfd;
        v6[24] = 0xfd;
        v6[39] = 1;
        v6[40] = IpProtocol.DestinationOptions;
        v6[48] = IpProtocol.Tcp;
        WriteTcp(v6[56..]);
    }

    private static void WriteTcp(Span<byte> tcp)
    {
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], 443);
        tcp[12] = 6 << 4;
        tcp[13] = (byte)TcpFlags.Syn;
        tcp[20] = TcpOption.KindMaximumSegmentSize;
        tcp[21] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[22..], 1460);
    }

    [Benchmark]
    public ushort Checksum1420() => Checksum.Compute(_payload1420);

    [Benchmark]
    public ushort PseudoHeaderChecksum1420() => Checksum.ComputeV4(_payload1420, _source4, _source4b, IpProtocol.Tcp);

    [Benchmark]
    public ushort IncrementalAddressUpdate() => Checksum.UpdateAddress(0x1234, _source4, _source4b);

    [Benchmark]
    public int ParseIpv4Tcp()
    {
        if (!Ipv4Header.TryParse(_ipv4Tcp, out Ipv4Header ip) || !TcpHeader.TryParse(ip.Payload, out TcpHeader tcp))
        {
            return -1;
        }
        return tcp.DestinationPort + ip.Protocol + (tcp.TryGetMss(out ushort mss) ? mss : 0);
    }

    [Benchmark]
    public int ParseIpv6ExtensionHeadersTcp()
    {
        if (!Ipv6Header.TryParse(_ipv6Tcp, out Ipv6Header ip) || !ip.TryFindUpperLayer(out Ipv6UpperLayer upper)
            || !TcpHeader.TryParse(ip.Packet[upper.Offset..], out TcpHeader tcp))
        {
            return -1;
        }
        return tcp.DestinationPort + upper.Protocol;
    }

    [Benchmark]
    public int DestinationAddress() =>
        IpPacket.TryGetDestinationAddress(_ipv4Tcp, out ReadOnlySpan<byte> destination) ? destination[3] : -1;
}
