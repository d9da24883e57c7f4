// Protocol constants of the WireGuard whitepaper (§5.4 construction and labels, §6 timers).
using System.Text;
using WgSharp.Noise.Crypto;

namespace WgSharp.Noise;

public static class WireGuardConstants
{
    // §5.4: the Noise construction and WireGuard's identifier, and the labels of mac1 and cookie keys.
    internal static ReadOnlySpan<byte> Construction => "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"u8;
    internal static ReadOnlySpan<byte> Identifier => "WireGuard v1 zx2c4 Jason@zx2c4.com"u8;
    internal static ReadOnlySpan<byte> LabelMac1 => "mac1----"u8;
    internal static ReadOnlySpan<byte> LabelCookie => "cookie--"u8;

    // §6.1 and §6.2.
    public const ulong RekeyAfterMessages = 1UL << 60;
    public const ulong RejectAfterMessages = ulong.MaxValue - (1UL << 13);
    public static readonly TimeSpan RekeyAfterTime = TimeSpan.FromSeconds(120);
    public static readonly TimeSpan RejectAfterTime = TimeSpan.FromSeconds(180);
    public static readonly TimeSpan RekeyAttemptTime = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan RekeyTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan KeepaliveTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Up to this much random delay is added to each handshake retransmission (§6.4: "jitter").</summary>
    public static readonly TimeSpan RekeyTimeoutJitterMax = TimeSpan.FromMilliseconds(334);

    /// <summary>A cookie is good for two minutes; the responder's cookie secret changes as often (§5.4.7).</summary>
    public static readonly TimeSpan CookieRefreshTime = TimeSpan.FromSeconds(120);

    /// <summary>Initiations from one peer arriving faster than this are dropped as a flood (§5.1, the Linux driver's 20 ms).</summary>
    public static readonly TimeSpan HandshakeInitiationRate = TimeSpan.FromMilliseconds(20);

    /// <summary>After this long without a new handshake, all key material of a peer is erased (§6.3: 3 × REJECT_AFTER_TIME).</summary>
    public static readonly TimeSpan ZeroKeyMaterialAfter = RejectAfterTime * 3;

    /// <summary>
    /// The initiator rekeys on receipt when its session is this old, so a new session exists before the old
    /// one hits REJECT_AFTER_TIME (§6.2: REJECT_AFTER_TIME − KEEPALIVE_TIMEOUT − REKEY_TIMEOUT).
    /// </summary>
    public static readonly TimeSpan RekeyOnReceiveAfterTime = RejectAfterTime - KeepaliveTimeout - RekeyTimeout;

    /// <summary>Packets held while a handshake is pending; beyond this the oldest is dropped.</summary>
    public const int MaxQueuedPackets = 128;

    /// <summary>Bytes a transport message adds to a packet: the 16-byte header and the 16-byte tag.</summary>
    public const int TransportOverhead = 32;

    // C0 = HASH(CONSTRUCTION) and H0 = HASH(C0 || IDENTIFIER), the same for every handshake.
    private static readonly byte[] InitialChainingKeyBytes = ComputeInitialChainingKey();
    private static readonly byte[] InitialHashBytes = ComputeInitialHash();

    internal static ReadOnlySpan<byte> InitialChainingKey => InitialChainingKeyBytes;
    internal static ReadOnlySpan<byte> InitialHash => InitialHashBytes;

    private static byte[] ComputeInitialChainingKey()
    {
        var ck = new byte[NoiseCrypto.HashSize];
        NoiseCrypto.Hash(Construction, ck);
        return ck;
    }

    private static byte[] ComputeInitialHash()
    {
        var h = new byte[NoiseCrypto.HashSize];
        NoiseCrypto.Hash(ComputeInitialChainingKey(), Identifier, h);
        return h;
    }

    internal static string Describe() => Encoding.ASCII.GetString(Construction);
}
