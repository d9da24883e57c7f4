// A complete Noise_IKpsk2 handshake and the first transport message computed from fixed static keys,
// ephemeral keys, indices, timestamp and pre-shared key by a reference written on BouncyCastle, step by
// step after the whitepaper (§5.4.2-5.4.6), and compared byte for byte with what the engine puts on the
// wire: the handshake vector that is not the engine talking to itself.
using System.Buffers.Binary;
using WgSharp.Noise.Keys;
using WgSharp.Noise.Tests.Engine;

namespace WgSharp.Noise.Tests.Oracle;

public class ReferenceHandshakeTests
{
    private static readonly byte[] Construction = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"u8.ToArray();
    private static readonly byte[] Identifier = "WireGuard v1 zx2c4 Jason@zx2c4.com"u8.ToArray();
    private static readonly byte[] LabelMac1 = "mac1----"u8.ToArray();

    private static byte[] Fixed(byte first) => Enumerable.Range(first, 32).Select(i => (byte)i).ToArray();

    private static byte[] Le32(uint value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    [Fact]
    public void Initiation_response_and_first_transport_message_match_the_reference_byte_for_byte()
    {
        byte[] initiatorStatic = Fixed(0x10), responderStatic = Fixed(0x40);
        byte[] initiatorEphemeral = Fixed(0x70), responderEphemeral = Fixed(0xA0);
        byte[] psk = Fixed(0xD0);
        const uint initiatorIndex = 0x11223344, responderIndex = 0x55667788;
        byte[] packet = Packets.IPv4(37);

        // ---- The engine, with the keys, indices and ephemerals injected through its seams. ----
        var clock = new ManualTimeProvider();
        // Initiator: its index, its ephemeral, then the retransmission jitter.
        var randomA = new ScriptedRandom(Le32(initiatorIndex), initiatorEphemeral, new byte[4]);
        var randomB = new ScriptedRandom(Le32(responderIndex), responderEphemeral);
        using var keyA = PrivateKey.FromBytes(initiatorStatic);
        using var keyB = PrivateKey.FromBytes(responderStatic);
        using var a = new TunnelDirectory(clock, randomA);
        using var b = new TunnelDirectory(clock, randomB);
        a.SetPrivateKey(keyA);
        b.SetPrivateKey(keyB);
        Tunnel ab = a.AddPeer(keyB.ComputePublicKey());
        Tunnel ba = b.AddPeer(keyA.ComputePublicKey());
        ab.SetPresharedKey(PresharedKey.FromBytes(psk));
        ba.SetPresharedKey(PresharedKey.FromBytes(psk));
        byte[] bufferA = new byte[2048], bufferB = new byte[2048];

        TunnelResult sent = ab.Encapsulate(packet, bufferA);
        Assert.Equal(TunnelOperation.WriteToNetwork, sent.Operation);
        byte[] engineInitiation = sent.Packet.ToArray();
        TunnelResult answered = b.Receive(engineInitiation.ToArray(), [10, 0, 0, 1], 51820, bufferB, out _);
        Assert.Equal(TunnelOperation.WriteToNetwork, answered.Operation);
        byte[] engineResponse = answered.Packet.ToArray();
        var afterResponse = new List<byte[]>();
        TunnelResult result = a.Receive(engineResponse.ToArray(), [10, 0, 0, 2], 51820, bufferA, out _);
        for (int guard = 0; guard < 8 && result.Operation != TunnelOperation.Done; guard++)
        {
            Assert.Equal(TunnelOperation.WriteToNetwork, result.Operation);
            afterResponse.Add(result.Packet.ToArray());
            result = ab.Decapsulate(default, bufferA);
        }
        byte[] engineTransport = Assert.Single(afterResponse);
        Assert.Equal(0, randomA.Remaining);
        Assert.Equal(0, randomB.Remaining);

        // ---- The reference (whitepaper §5.4.2): the initiator's message. ----
        byte[] spubI = Reference.PublicKey(initiatorStatic), spubR = Reference.PublicKey(responderStatic);
        byte[] ci = Reference.Hash(Construction);                       // Ci := HASH(CONSTRUCTION)
        byte[] hi = Reference.Hash(ci, Identifier);                     // Hi := HASH(Ci || IDENTIFIER)
        hi = Reference.Hash(hi, spubR);                                 // Hi := HASH(Hi || Spub_r)
        byte[] epubI = Reference.PublicKey(initiatorEphemeral);         // msg.ephemeral := Epub_i
        ci = Reference.Kdf(1, ci, epubI)[0];                            // Ci := KDF1(Ci, msg.ephemeral)
        hi = Reference.Hash(hi, epubI);                                 // Hi := HASH(Hi || msg.ephemeral)
        byte[][] k = Reference.Kdf(2, ci, Reference.Dh(initiatorEphemeral, spubR)); // (Ci, κ) := KDF2(Ci, DH(Epriv_i, Spub_r))
        ci = k[0];
        byte[] encryptedStatic = Reference.Aead(k[1], 0, spubI, hi);    // msg.static := AEAD(κ, 0, Spub_i, Hi)
        hi = Reference.Hash(hi, encryptedStatic);                       // Hi := HASH(Hi || msg.static)
        k = Reference.Kdf(2, ci, Reference.Dh(initiatorStatic, spubR)); // (Ci, κ) := KDF2(Ci, DH(Spriv_i, Spub_r))
        ci = k[0];
        byte[] timestamp = Tai64N(clock.GetUtcNow());
        byte[] encryptedTimestamp = Reference.Aead(k[1], 0, timestamp, hi); // msg.timestamp := AEAD(κ, 0, TAI64N(), Hi)
        hi = Reference.Hash(hi, encryptedTimestamp);                    // Hi := HASH(Hi || msg.timestamp)
        byte[] initiation = [1, 0, 0, 0, .. Le32(initiatorIndex), .. epubI, .. encryptedStatic, .. encryptedTimestamp];
        // msg.mac1 := MAC(HASH(LABEL-MAC1 || Spub_m'), msg_α); msg.mac2 := 0 without a cookie (§5.4.4)
        initiation = [.. initiation, .. Reference.Mac(Reference.Hash(LabelMac1, spubR), initiation), .. new byte[16]];
        Assert.Equal(Convert.ToHexStringLower(initiation), Convert.ToHexStringLower(engineInitiation));

        // ---- §5.4.3: the responder's message, continuing from Ci and Hi as the responder computes them. ----
        byte[] cr = ci, hr = hi;
        byte[] epubR = Reference.PublicKey(responderEphemeral);         // msg.ephemeral := Epub_r
        cr = Reference.Kdf(1, cr, epubR)[0];                            // Cr := KDF1(Cr, Epub_r)
        hr = Reference.Hash(hr, epubR);                                 // Hr := HASH(Hr || msg.ephemeral)
        cr = Reference.Kdf(1, cr, Reference.Dh(responderEphemeral, epubI))[0]; // Cr := KDF1(Cr, DH(Epriv_r, Epub_i))
        cr = Reference.Kdf(1, cr, Reference.Dh(responderEphemeral, spubI))[0]; // Cr := KDF1(Cr, DH(Epriv_r, Spub_i))
        byte[][] tk = Reference.Kdf(3, cr, psk);                        // (Cr, τ, κ) := KDF3(Cr, Q)
        cr = tk[0];
        hr = Reference.Hash(hr, tk[1]);                                 // Hr := HASH(Hr || τ)
        byte[] empty = Reference.Aead(tk[2], 0, [], hr);                // msg.empty := AEAD(κ, 0, ε, Hr)
        byte[] response = [2, 0, 0, 0, .. Le32(responderIndex), .. Le32(initiatorIndex), .. epubR, .. empty];
        response = [.. response, .. Reference.Mac(Reference.Hash(LabelMac1, spubI), response), .. new byte[16]];
        Assert.Equal(Convert.ToHexStringLower(response), Convert.ToHexStringLower(engineResponse));

        // ---- §5.4.5-5.4.6: transport keys, and the initiator's first data message carrying the queued packet. ----
        byte[][] keys = Reference.Kdf(2, cr, []);                       // (T_i^send, T_i^recv) := KDF2(Ci, ε)
        int padded = (packet.Length + 15) / 16 * 16;                    // P := P || 0^(16·⌈||P||/16⌉ − ||P||)
        byte[] plaintext = [.. packet, .. new byte[padded - packet.Length]];
        byte[] transport = [4, 0, 0, 0, .. Le32(responderIndex), .. new byte[8], .. Reference.Aead(keys[0], 0, plaintext, [])];
        Assert.Equal(Convert.ToHexStringLower(transport), Convert.ToHexStringLower(engineTransport));

        // And the responder reads it with its receiving key (T_r^recv = T_i^send).
        TunnelResult delivered = b.Receive(engineTransport, [10, 0, 0, 1], 51820, bufferB, out _);
        Assert.Equal(TunnelOperation.WriteToTunnelV4, delivered.Operation);
        Assert.Equal(packet, delivered.Packet.ToArray());
    }

    // TAI64N (§5.4.2): 8 bytes big-endian 2^62 + 10 + Unix seconds, 4 bytes big-endian nanoseconds. The clock
    // stands on a whole second here, so the engine's whitening of the nanoseconds leaves them zero.
    private static byte[] Tai64N(DateTimeOffset time)
    {
        Assert.Equal(0, time.UtcTicks % TimeSpan.TicksPerSecond);
        byte[] bytes = new byte[12];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, 0x400000000000000AUL + (ulong)time.ToUnixTimeSeconds());
        return bytes;
    }
}
