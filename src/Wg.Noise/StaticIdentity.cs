// The local interface's static key pair with what every handshake precomputes from it: the mac1 key
// and cookie key of messages addressed to us (§5.4.4, §5.4.7) and H0 mixed with our public key.
using WgSharp.Noise.Crypto;
using WgSharp.Noise.Keys;

namespace WgSharp.Noise;

internal sealed class StaticIdentity : IDisposable
{
    public StaticIdentity(PrivateKey privateKey)
    {
        CryptoSelfTest.EnsurePassed();
        PrivateKey = privateKey.Clone();
        PublicKey = PrivateKey.ComputePublicKey();
        NoiseCrypto.Hash(WireGuardConstants.LabelMac1, PublicKey.AsSpan(), Mac1Key);
        NoiseCrypto.Hash(WireGuardConstants.LabelCookie, PublicKey.AsSpan(), CookieKey);
        NoiseCrypto.Hash(WireGuardConstants.InitialHash, PublicKey.AsSpan(), InitialHashWithOwnKey);
    }

    public PrivateKey PrivateKey { get; }

    public PublicKey PublicKey { get; }

    /// <summary>HASH(LABEL_MAC1 || Spub): verifies mac1 of handshake messages sent to us.</summary>
    public byte[] Mac1Key { get; } = new byte[NoiseCrypto.HashSize];

    /// <summary>HASH(LABEL_COOKIE || Spub): encrypts the cookies we send.</summary>
    public byte[] CookieKey { get; } = new byte[NoiseCrypto.HashSize];

    /// <summary>HASH(H0 || Spub): the responder's hash before it reads an initiation.</summary>
    public byte[] InitialHashWithOwnKey { get; } = new byte[NoiseCrypto.HashSize];

    public void Dispose() => PrivateKey.Dispose();
}
