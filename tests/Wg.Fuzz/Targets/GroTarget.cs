// The GRO coalescer, checked by the GSO segmenter: a batch of packets is coalesced in place, and every
// packet written must cut back into exactly the packets that went in. Input: byte 0 flags (bit 0:
// coalesce UDP; bit 1: fix checksums first, so the fuzzer gets past verification; bits 2-3: buffer room),
// then packets as a 2-byte big-endian length and that many bytes, at most 64.
// Invariants: nothing grows past its buffer or 65535 bytes; a packet left alone is written unchanged;
// a super-packet segments into the original packets of one flow, in their order (IPv4 ids aside when DF
// is set, checksums recomputed and valid); every packet comes out exactly once.
using WgSharp.Tun.Offload;

namespace WgSharp.Fuzz.Targets;

internal sealed class GroTarget : IFuzzTarget
{
    private const int Offset = 16;
    private readonly GroCoalescer _coalescer = new();
    private readonly byte[] _segment = new byte[65535];

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        byte flags = input[0];
        var originals = new List<byte[]>();
        for (ReadOnlySpan<byte> rest = input[1..]; rest.Length >= 2 && originals.Count < 64;)
        {
            int length = Math.Min(rest[0] << 8 | rest[1], rest.Length - 2);
            byte[] packet = rest.Slice(2, length).ToArray();
            if ((flags & 2) != 0)
            {
                PacketChecks.Fix(packet);
            }
            originals.Add(packet);
            rest = rest[(2 + length)..];
        }
        if (originals.Count == 0)
        {
            return;
        }

        int count = originals.Count;
        var buffers = new byte[count][];
        var sizes = new int[count];
        var order = new int[count];
        for (int i = 0; i < count; i++)
        {
            int room = ((flags >> 2) & 3) switch
            {
                0 => 65535,
                1 => originals[i].Length + 1000,
                2 => originals[i].Length,
                _ => 3000,
            };
            buffers[i] = new byte[Offset + Math.Max(room, originals[i].Length)];
            originals[i].CopyTo(buffers[i], Offset);
            sizes[i] = originals[i].Length;
        }

        _coalescer.CoalesceUdp = (flags & 1) != 0;
        int writes = _coalescer.Coalesce(buffers, sizes, count, Offset, order);

        var used = new bool[count];
        for (int w = 0; w < writes; w++)
        {
            int head = order[w];
            InvariantException.Check(!used[head] && (w == 0 || head > order[w - 1]), "the write order is not the batch order");
            InvariantException.Check(sizes[head] <= 65535 && Offset + sizes[head] <= buffers[head].Length, "a packet grew past its buffer");
            VirtioNetHeader header = VirtioNetHeader.Read(buffers[head].AsSpan(Offset - VirtioNetHeader.Size));
            ReadOnlySpan<byte> packet = buffers[head].AsSpan(Offset, sizes[head]);
            if (header.GsoType == VirtioNetHeader.GsoNone)
            {
                InvariantException.Check(header.Flags == 0 && packet.SequenceEqual(originals[head]), $"packet {head} was changed but not merged");
                used[head] = true;
                continue;
            }

            InvariantException.Check(GsoPacket.TryParse(header, packet, out GsoPacket parsed) && parsed.IsSuperPacket,
                $"super-packet {head} does not parse back");
            int next = head;
            for (int s = 0; s < parsed.SegmentCount; s++)
            {
                int length = parsed.WriteSegment(packet, s, _segment);
                ReadOnlySpan<byte> segment = _segment.AsSpan(0, length);
                InvariantException.Check(PacketChecks.Valid(segment), $"segment {s} of {head} has an invalid checksum");
                while (next < count && (used[next] || !SameExceptRewritten(segment, originals[next])))
                {
                    next++;
                }
                InvariantException.Check(next < count && (s > 0 || next == head),
                    $"segment {s} of super-packet {head} is no packet of the batch, in order{Explain(segment, originals, used)}");
                used[next] = true;
            }
        }
        InvariantException.Check(used.All(u => u), "a packet of the batch was lost");
    }

    // Equal but for what segmentation rewrites: checksums, the IPv4 id when DF is set (it need not count up then), and
    // the TCP urgent pointer (meaningless without URG, which no merged segment has; segments get the head's).
    private static bool SameExceptRewritten(ReadOnlySpan<byte> segment, byte[] original)
    {
        if (segment.Length != original.Length || !PacketChecks.Valid(original)
            || !PacketChecks.TryLayout(original, out int ipHeaderLength, out byte protocol))
        {
            return false;
        }
        int checksumAt = ipHeaderLength + PacketChecks.ChecksumOffset(protocol, original.Length - ipHeaderLength);
        bool v4 = original[0] >> 4 == 4;
        bool dontFragment = v4 && (original[6] & 0x40) != 0;
        for (int i = 0; i < original.Length; i++)
        {
            bool rewritten = i == checksumAt || i == checksumAt + 1
                || (v4 && (i == 10 || i == 11))
                || (dontFragment && (i == 4 || i == 5))
                || (protocol == 6 && (i == ipHeaderLength + 18 || i == ipHeaderLength + 19));
            if (!rewritten && segment[i] != original[i])
            {
                return false;
            }
        }
        return true;
    }

    // For a failure message: where the segment differs from the first packet of the batch not yet accounted for.
    private static string Explain(ReadOnlySpan<byte> segment, List<byte[]> originals, bool[] used)
    {
        int candidate = Array.IndexOf(used, false);
        if (candidate < 0)
        {
            return "";
        }
        byte[] original = originals[candidate];
        if (original.Length != segment.Length)
        {
            return $" (packet {candidate} has {original.Length} bytes, the segment {segment.Length})";
        }
        for (int i = 0; i < original.Length; i++)
        {
            if (original[i] != segment[i])
            {
                return $" (packet {candidate} differs first at byte {i}: {original[i]:x2} became {segment[i]:x2}; checksums valid: {PacketChecks.Valid(original)})";
            }
        }
        return "";
    }
}
