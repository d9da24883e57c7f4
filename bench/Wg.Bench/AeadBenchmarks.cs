// The data path's one expensive step, ChaCha20-Poly1305, from both candidate backends: libsodium
// (through WgSharp's Aead) and .NET's System.Security.Cryptography.ChaCha20Poly1305 (OpenSSL).
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using WgSharp.Noise.Crypto;

namespace WgSharp.Bench;

[MemoryDiagnoser]
public class AeadBenchmarks
{
    private readonly byte[] _key = new byte[32];
    private readonly byte[] _nonce = new byte[12];
    private byte[] _plaintext = [];
    private byte[] _sealed = [];
    private byte[] _output = [];
    private ChaCha20Poly1305 _dotnet = null!;

    [Params(64, 512, 1420)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        RandomNumberGenerator.Fill(_key);
        _plaintext = new byte[Size];
        RandomNumberGenerator.Fill(_plaintext);
        _sealed = new byte[Size + 16];
        _output = new byte[Size + 16];
        _dotnet = new ChaCha20Poly1305(_key);
        Aead.Seal(_key, 1, _plaintext, default, _sealed);
    }

    [GlobalCleanup]
    public void Cleanup() => _dotnet.Dispose();

    [Benchmark(Baseline = true)]
    public void SealLibsodium() => Aead.Seal(_key, 1, _plaintext, default, _output);

    [Benchmark]
    public void SealDotnetOpenSsl() =>
        _dotnet.Encrypt(_nonce, _plaintext, _output.AsSpan(0, Size), _output.AsSpan(Size, 16));

    [Benchmark]
    public bool OpenLibsodium() => Aead.Open(_key, 1, _sealed, default, _output);

    [Benchmark]
    public void OpenDotnetOpenSsl()
    {
        // Sealed with the same key and counter-1 nonce so the tag verifies.
        Aead.WriteNonce(_nonce, 1);
        _dotnet.Decrypt(_nonce, _sealed.AsSpan(0, Size), _sealed.AsSpan(Size, 16), _output.AsSpan(0, Size));
    }

    /// <summary>What the data path runs: OpenSSL's EVP with a per-thread context from 256 bytes, libsodium below.</summary>
    [Benchmark]
    public void SealTransport() => TransportAead.Seal(_key, 1, _plaintext, _output);

    [Benchmark]
    public bool OpenTransport() => TransportAead.Open(_key, 1, _sealed, _output);
}
