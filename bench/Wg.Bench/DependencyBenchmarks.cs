// The design card's crypto packages against what WgSharp uses instead, per operation the protocol performs:
// X25519 (libsodium direct vs NSec with and without its Key import vs BouncyCastle), ChaCha20-Poly1305 of a
// 1420-byte packet (WgSharp's transport AEAD vs NSec vs BouncyCastle), and a KDF2 step (managed BLAKE2s HMAC
// vs BouncyCastle's). Allocations come from [MemoryDiagnoser]. Results: bench/RESULTS.md, "Dependencies".
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;
using WgSharp.Noise.Crypto;
using Bc = Org.BouncyCastle;
using NSecCrypto = NSec.Cryptography;

namespace WgSharp.Bench;

[MemoryDiagnoser]
public class DependencyBenchmarks
{
    private readonly byte[] _private = new byte[32];
    private readonly byte[] _peerPublic = new byte[32];
    private readonly byte[] _shared = new byte[32];
    private readonly byte[] _key = new byte[32];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _packet = new byte[1420];
    private readonly byte[] _sealed = new byte[1420 + 16];
    private readonly byte[] _t1 = new byte[32];
    private readonly byte[] _t2 = new byte[32];
    private NSecCrypto.Key _nsecPrivate = null!;
    private NSecCrypto.PublicKey _nsecPeer = null!;
    private NSecCrypto.Key _nsecAeadKey = null!;

    [GlobalSetup]
    public void Setup()
    {
        RandomNumberGenerator.Fill(_private);
        RandomNumberGenerator.Fill(_key);
        RandomNumberGenerator.Fill(_packet);
        byte[] peer = new byte[32];
        RandomNumberGenerator.Fill(peer);
        NoiseCrypto.DhPublicKey(peer, _peerPublic);
        _nsecPrivate = NSecCrypto.Key.Import(NSecCrypto.KeyAgreementAlgorithm.X25519, _private, NSecCrypto.KeyBlobFormat.RawPrivateKey);
        _nsecPeer = NSecCrypto.PublicKey.Import(NSecCrypto.KeyAgreementAlgorithm.X25519, _peerPublic, NSecCrypto.KeyBlobFormat.RawPublicKey);
        _nsecAeadKey = NSecCrypto.Key.Import(NSecCrypto.AeadAlgorithm.ChaCha20Poly1305, _key, NSecCrypto.KeyBlobFormat.RawSymmetricKey);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _nsecPrivate.Dispose();
        _nsecAeadKey.Dispose();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("X25519")]
    public bool X25519_LibsodiumDirect() => NoiseCrypto.Dh(_private, _peerPublic, _shared);

    [Benchmark]
    [BenchmarkCategory("X25519")]
    public void X25519_NSec_KeyImported()
    {
        using NSecCrypto.SharedSecret? secret = NSecCrypto.KeyAgreementAlgorithm.X25519.Agree(_nsecPrivate, _nsecPeer);
    }

    [Benchmark]
    [BenchmarkCategory("X25519")]
    public void X25519_NSec_WithKeyImport()
    {
        // How a handshake would use NSec: the ephemeral private key is new bytes each time.
        using var key = NSecCrypto.Key.Import(NSecCrypto.KeyAgreementAlgorithm.X25519, _private, NSecCrypto.KeyBlobFormat.RawPrivateKey);
        using NSecCrypto.SharedSecret? secret = NSecCrypto.KeyAgreementAlgorithm.X25519.Agree(key, _nsecPeer);
    }

    [Benchmark]
    [BenchmarkCategory("X25519")]
    public void X25519_BouncyCastle() => Bc.Math.EC.Rfc7748.X25519.ScalarMult(_private, 0, _peerPublic, 0, _shared, 0);

    [Benchmark]
    [BenchmarkCategory("NSecKeyImport")]
    public void NSec_KeyImport_ChaCha20Poly1305()
    {
        using var key = NSecCrypto.Key.Import(NSecCrypto.AeadAlgorithm.ChaCha20Poly1305, _key, NSecCrypto.KeyBlobFormat.RawSymmetricKey);
    }

    [Benchmark]
    [BenchmarkCategory("Aead1420")]
    public void Aead1420_WgSharpTransport() => TransportAead.Seal(_key, 1, _packet, _sealed);

    [Benchmark]
    [BenchmarkCategory("Aead1420")]
    public void Aead1420_NSec() => NSecCrypto.AeadAlgorithm.ChaCha20Poly1305.Encrypt(_nsecAeadKey, _nonce, default, _packet, _sealed);

    [Benchmark]
    [BenchmarkCategory("Aead1420")]
    public void Aead1420_BouncyCastle()
    {
        var aead = new Bc.Crypto.Modes.ChaCha20Poly1305();
        aead.Init(true, new AeadParameters(new KeyParameter(_key), 128, _nonce));
        int written = aead.ProcessBytes(_packet, 0, _packet.Length, _sealed, 0);
        aead.DoFinal(_sealed, written);
    }

    [Benchmark]
    [BenchmarkCategory("Kdf2")]
    public void Kdf2_WgSharp() => NoiseCrypto.Kdf2(_key, _peerPublic, _t1, _t2);

    [Benchmark]
    [BenchmarkCategory("Kdf2")]
    public void Kdf2_BouncyCastle()
    {
        var hmac = new HMac(new Blake2sDigest(256));
        hmac.Init(new KeyParameter(_key));
        hmac.BlockUpdate(_peerPublic, 0, 32);
        byte[] t0 = new byte[32];
        hmac.DoFinal(t0, 0);
        hmac.Init(new KeyParameter(t0));
        hmac.Update(1);
        hmac.DoFinal(_t1, 0);
        hmac.Init(new KeyParameter(t0));
        hmac.BlockUpdate(_t1, 0, 32);
        hmac.Update(2);
        hmac.DoFinal(_t2, 0);
    }
}
