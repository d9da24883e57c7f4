// The GSO segmenter: a virtio_net_hdr (10 bytes) and the packet a TUN with IFF_VNET_HDR handed over.
// Invariants: what TryParse accepts cuts into segments that fit the length SegmentLength promised, carry
// the whole payload exactly once, have IP length fields matching their bytes, and valid IPv4 header and
// TCP/UDP checksums; what it refuses is refused without an exception.
using WgSharp.Tun.Offload;

namespace WgSharp.Fuzz.Targets;

internal sealed class GsoTarget : IFuzzTarget
{
    private readonly byte[] _segment = new byte[65535 + 100];

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < VirtioNetHeader.Size)
        {
            return;
        }

        VirtioNetHeader header = VirtioNetHeader.Read(input);
        ReadOnlySpan<byte> packet = input[VirtioNetHeader.Size..];
        if (!GsoPacket.TryParse(header, packet, out GsoPacket parsed))
        {
            return;
        }

        InvariantException.Check(parsed.Length == packet.Length, "the parsed length is not the packet's");
        InvariantException.Check(parsed.SegmentCount >= 1, "no segments");
        long payload = 0;
        for (int i = 0; i < parsed.SegmentCount; i++)
        {
            int expected = parsed.SegmentLength(i);
            InvariantException.Check(expected > 0 && expected <= 65535, $"segment {i} would be {expected} bytes");
            Array.Clear(_segment);
            int written = parsed.WriteSegment(packet, i, _segment.AsSpan(0, expected));
            InvariantException.Check(written == expected, $"segment {i}: wrote {written}, promised {expected}");
            if (!parsed.IsSuperPacket)
            {
                continue;
            }
            ReadOnlySpan<byte> segment = _segment.AsSpan(0, written);
            payload += written - parsed.HeaderLength;
            InvariantException.Check(segment.Slice(parsed.HeaderLength).SequenceEqual(
                packet.Slice(parsed.HeaderLength + i * parsed.GsoSize, written - parsed.HeaderLength)), $"segment {i} carries the wrong payload");
            bool v6 = segment[0] >> 4 == 6;
            InvariantException.Check(v6 ? (segment[4] << 8 | segment[5]) == written - 40 : (segment[2] << 8 | segment[3]) == written,
                $"segment {i}'s IP length field does not match its {written} bytes");
            InvariantException.Check(v6 || PacketChecks.Checksum(segment[..parsed.IpHeaderLength]) == 0, $"segment {i} has an invalid IPv4 header checksum");
            InvariantException.Check(v6 ? parsed.IpHeaderLength > 40 || segment[6] == parsed.Protocol : segment[9] == parsed.Protocol,
                $"segment {i} is cut as protocol {parsed.Protocol} but its IP header says otherwise");
            InvariantException.Check(PacketChecks.TransportValid(segment, parsed.IpHeaderLength, parsed.Protocol), $"segment {i} has an invalid transport checksum");
        }
        if (parsed.IsSuperPacket)
        {
            InvariantException.Check(payload == parsed.Length - parsed.HeaderLength, "the segments do not carry the payload exactly once");
        }
    }
}
