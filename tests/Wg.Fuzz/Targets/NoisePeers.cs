// Two engines with fixed keys on one manual clock, as the Noise targets need them: A is the initiator,
// B the device under test. Fixed keys and randomness make every saved input replay exactly.
using WgSharp.Noise;
using WgSharp.Noise.Crypto;
using WgSharp.Noise.Keys;
using WgSharp.Noise.Messages;

namespace WgSharp.Fuzz.Targets;

internal sealed class NoisePeers : IDisposable
{
    public static readonly byte[] AddressA = [10, 0, 0, 1];

    public NoisePeers(ulong seed)
    {
        Time = new ManualTime();
        KeyA = PrivateKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        KeyB = PrivateKey.FromBytes(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());
        A = new TunnelDirectory(Time, new FixedRandom(seed));
        B = new TunnelDirectory(Time, new FixedRandom(seed + 1));
        A.SetPrivateKey(KeyA);
        B.SetPrivateKey(KeyB);
        TunnelA = A.AddPeer(KeyB.ComputePublicKey());
        TunnelB = B.AddPeer(KeyA.ComputePublicKey());
    }

    public ManualTime Time { get; }

    public PrivateKey KeyA { get; }

    public PrivateKey KeyB { get; }

    public TunnelDirectory A { get; }

    public TunnelDirectory B { get; }

    public Tunnel TunnelA { get; }

    public Tunnel TunnelB { get; }

    public byte[] BufferA { get; } = new byte[Tunnel.MaxPacketSize + 64];

    public byte[] BufferB { get; } = new byte[Tunnel.MaxPacketSize + 64];

    /// <summary>A's handshake initiation (A queues one packet and starts the handshake).</summary>
    public byte[] Initiation()
    {
        TunnelResult result = TunnelA.Encapsulate([], BufferA);
        InvariantException.Check(result.Operation == TunnelOperation.WriteToNetwork && result.Packet.Length == HandshakeInitiationMessage.Size,
            "A did not start a handshake");
        return result.Packet.ToArray();
    }

    /// <summary>Runs a full handshake A→B→A and A's first transport packet, so both have a session.</summary>
    public void Connect()
    {
        byte[] initiation = Initiation();
        TunnelResult response = B.Receive(initiation, AddressA, 51820, BufferB, out _);
        InvariantException.Check(response.Operation == TunnelOperation.WriteToNetwork, "B did not answer a valid initiation");
        byte[] responseBytes = response.Packet.ToArray();
        var toB = new List<byte[]>();
        TunnelResult result = A.Receive(responseBytes, [10, 0, 0, 2], 51820, BufferA, out _);
        InvariantException.Check(result.Operation != TunnelOperation.Drop, "A dropped B's response");
        // Then A sends what it queued during the handshake (call again with empty input until Done).
        for (int guard = 0; guard < 16 && result.Operation != TunnelOperation.Done; guard++)
        {
            if (result.Operation == TunnelOperation.WriteToNetwork)
            {
                toB.Add(result.Packet.ToArray());
            }
            result = TunnelA.Decapsulate(default, BufferA);
        }
        foreach (byte[] datagram in toB)
        {
            B.Receive(datagram, AddressA, 51820, BufferB, out _);
        }
        InvariantException.Check(TunnelA.HasSession && TunnelB.HasSession, "the handshake did not give both sides a session");
    }

    /// <summary>Writes mac1 = MAC(HASH(LABEL_MAC1 || Spub_B), msg_α) into a handshake message for B (whitepaper §5.4.4).</summary>
    public void FixMac1(Span<byte> message, int mac1Offset)
    {
        Span<byte> key = stackalloc byte[NoiseCrypto.HashSize];
        NoiseCrypto.Hash("mac1----"u8, KeyB.ComputePublicKey().AsSpan(), key);
        NoiseCrypto.Mac(key, message[..mac1Offset], message.Slice(mac1Offset, NoiseCrypto.MacSize));
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
        KeyA.Dispose();
        KeyB.Dispose();
    }
}
