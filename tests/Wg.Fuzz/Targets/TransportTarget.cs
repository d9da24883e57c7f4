// WireGuard message parsing and Tunnel decapsulation with a session in place. Input byte 0 picks:
// even: the rest is a raw datagram for B; odd: the rest (after byte 1) is a plaintext A seals for B,
// and byte 1, when not zero, flips one byte of the sealed datagram before B sees it.
// Invariants: nothing but an untouched sealed packet is ever delivered; a delivered packet is exactly
// the inner IP packet A sealed and fits the buffer; a refused datagram does not change B's counters.
using WgSharp.Noise;
using WgSharp.Noise.Messages;

namespace WgSharp.Fuzz.Targets;

internal sealed class TransportTarget : IFuzzTarget
{
    private readonly NoisePeers _peers = new(seed: 7);

    public TransportTarget() => _peers.Connect();

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        long rxBefore = _peers.TunnelB.RxBytes;
        if ((input[0] & 1) == 0)
        {
            byte[] datagram = input[1..].ToArray();
            TunnelResult raw = _peers.B.Receive(datagram, NoisePeers.AddressA, 51820, _peers.BufferB, out _);
            InvariantException.Check(raw.Operation is TunnelOperation.Drop or TunnelOperation.Done,
                $"a forged datagram gave {raw.Operation}");
            InvariantException.Check(_peers.TunnelB.RxBytes == rxBefore, "a refused datagram was counted as received");
            return;
        }

        if (input.Length < 2)
        {
            return;
        }

        byte flip = input[1];
        ReadOnlySpan<byte> plaintext = input[2..];
        TunnelResult sealedResult = _peers.TunnelA.Encapsulate(plaintext, _peers.BufferA);
        InvariantException.Check(sealedResult.Operation == TunnelOperation.WriteToNetwork, $"sealing gave {sealedResult.Operation}");
        byte[] sealedDatagram = sealedResult.Packet.ToArray();
        InvariantException.Check(sealedDatagram.Length >= plaintext.Length + TransportDataMessage.MinimumSize
            && sealedDatagram.Length <= plaintext.Length + TransportDataMessage.MinimumSize + 15, "a sealed datagram is not header + padded plaintext + tag");
        if (flip != 0)
        {
            sealedDatagram[flip % sealedDatagram.Length] ^= (byte)(flip | 1);
        }

        TunnelResult opened = _peers.B.Receive(sealedDatagram, NoisePeers.AddressA, 51820, _peers.BufferB, out _);
        if (flip != 0)
        {
            InvariantException.Check(opened.Operation == TunnelOperation.Drop, $"a tampered datagram gave {opened.Operation}");
            InvariantException.Check(_peers.TunnelB.RxBytes == rxBefore, "a tampered datagram was counted as received");
            return;
        }

        InvariantException.Check(_peers.TunnelB.RxBytes == rxBefore + sealedDatagram.Length, "an authentic datagram was not counted");
        // The receiver sees the plaintext with its zero padding (whitepaper §5.4.6) and trusts the IP header's
        // length within it, as the kernel does.
        byte[] padded = new byte[sealedDatagram.Length - TransportDataMessage.MinimumSize];
        plaintext.CopyTo(padded);
        int expected = InnerLength(padded, out bool v6);
        if (plaintext.IsEmpty)
        {
            InvariantException.Check(opened.Operation == TunnelOperation.Done, "a keepalive was not consumed");
        }
        else if (expected == 0)
        {
            InvariantException.Check(opened.Operation == TunnelOperation.Drop && opened.DropReason == DropReason.InvalidInnerPacket,
                $"a non-IP plaintext gave {opened.Operation}/{opened.DropReason}");
        }
        else
        {
            InvariantException.Check(opened.Operation == (v6 ? TunnelOperation.WriteToTunnelV6 : TunnelOperation.WriteToTunnelV4),
                $"an IP packet gave {opened.Operation}/{opened.DropReason}");
            InvariantException.Check(opened.Packet.SequenceEqual(padded.AsSpan(0, expected)), "the delivered packet is not the sealed one");
        }
    }

    // The whitepaper leaves the inner packet's length to its IP header (§5.4.6: padding is stripped by it).
    private static int InnerLength(ReadOnlySpan<byte> p, out bool v6)
    {
        v6 = false;
        if (p.Length >= 20 && p[0] >> 4 == 4)
        {
            int total = p[2] << 8 | p[3];
            return total >= 20 && total <= p.Length ? total : 0;
        }
        if (p.Length >= 40 && p[0] >> 4 == 6)
        {
            v6 = true;
            int total = 40 + (p[4] << 8 | p[5]);
            return total <= p.Length ? total : 0;
        }
        return 0;
    }
}
