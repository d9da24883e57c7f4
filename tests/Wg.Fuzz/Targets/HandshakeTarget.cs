// The handshake responder. A fresh responder B (fixed keys) gets a real initiation from A with the
// input XOR-ed over it (input byte 0 is a flag byte: bit 0 puts B under load, bit 1 leaves mac1 as
// the mutation made it instead of recomputing it, so the fuzzer reaches past mac1 by default).
// Invariants: B answers only an initiation whose authenticated fields (ephemeral, encrypted static and
// timestamp) are A's own, with a response (or, under load, a cookie reply) of the right size; anything
// else is a counted drop that leaves B without a session.
using WgSharp.Noise;
using WgSharp.Noise.Messages;

namespace WgSharp.Fuzz.Targets;

internal sealed class HandshakeTarget : IFuzzTarget
{
    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        using var peers = new NoisePeers(seed: 11);
        byte[] original = peers.Initiation();
        byte[] message = (byte[])original.Clone();
        ReadOnlySpan<byte> mask = input[1..];
        for (int i = 0; i < mask.Length && i < message.Length; i++)
        {
            message[i] ^= mask[i];
        }
        byte[] datagram = mask.Length > message.Length ? [.. message, .. mask[message.Length..]] : message;
        if ((input[0] & 2) == 0 && datagram.Length >= HandshakeInitiationMessage.Mac2Offset)
        {
            peers.FixMac1(datagram, HandshakeInitiationMessage.Mac1Offset);
        }

        bool underLoad = (input[0] & 1) != 0;
        peers.B.IsUnderLoad = underLoad;
        TunnelResult result = peers.B.Receive(datagram, NoisePeers.AddressA, 51820, peers.BufferB, out _);
        bool authentic = datagram.Length == HandshakeInitiationMessage.Size
            && datagram.AsSpan(0, 4).SequenceEqual(original.AsSpan(0, 4))
            && datagram.AsSpan(HandshakeInitiationMessage.UnencryptedEphemeralOffset, HandshakeInitiationMessage.Mac1Offset - HandshakeInitiationMessage.UnencryptedEphemeralOffset)
                .SequenceEqual(original.AsSpan(HandshakeInitiationMessage.UnencryptedEphemeralOffset, HandshakeInitiationMessage.Mac1Offset - HandshakeInitiationMessage.UnencryptedEphemeralOffset));

        switch (result.Operation)
        {
            case TunnelOperation.Drop:
                InvariantException.Check(result.DropReason != DropReason.None, "a drop without a reason");
                InvariantException.Check(!peers.TunnelB.HasSession, "a dropped initiation left a session");
                break;
            case TunnelOperation.WriteToNetwork when result.Packet.Length == HandshakeResponseMessage.Size:
                InvariantException.Check(authentic, "B answered an initiation whose authenticated fields were changed");
                InvariantException.Check(result.Packet[0] == (byte)MessageType.HandshakeResponse, "a 92-byte answer that is not a response");
                // A accepts the answer only when the sender index is the one it sent.
                bool indexKept = datagram.AsSpan(4, 4).SequenceEqual(original.AsSpan(4, 4));
                TunnelResult atA = peers.A.Receive(result.Packet.ToArray(), [10, 0, 0, 2], 51820, peers.BufferA, out _);
                InvariantException.Check((atA.Operation != TunnelOperation.Drop) == indexKept,
                    $"A's verdict on B's response ({atA.Operation}/{atA.DropReason}) does not match the sender index being kept ({indexKept})");
                break;
            case TunnelOperation.WriteToNetwork when result.Packet.Length == CookieReplyMessage.Size:
                InvariantException.Check(underLoad && result.Packet[0] == (byte)MessageType.CookieReply, "a cookie reply while not under load");
                InvariantException.Check(!peers.TunnelB.HasSession, "a cookie reply left a session");
                break;
            default:
                throw new InvariantException($"an initiation gave {result.Operation} of {result.Packet.Length} bytes");
        }
    }
}
