// A Curve25519 private key (a WireGuard interface's static identity).
using WgSharp.Noise.Crypto;

namespace WgSharp.Noise.Keys;

public sealed class PrivateKey : SecretKey
{
    private PrivateKey(ReadOnlySpan<byte> bytes) : base(bytes) { }

    /// <summary>A new clamped private key from the random source, as `wg genkey` makes.</summary>
    public static PrivateKey Generate(IRandomSource random)
    {
        Span<byte> bytes = stackalloc byte[Size];
        random.Fill(bytes);
        NoiseCrypto.Clamp(bytes);
        var key = new PrivateKey(bytes);
        NoiseCrypto.Zero(bytes);
        return key;
    }

    public static PrivateKey FromBytes(ReadOnlySpan<byte> bytes) => new(bytes);

    public static bool TryParseBase64(ReadOnlySpan<char> text, out PrivateKey? key) => TryParse(text, hex: false, out key);

    public static bool TryParseHex(ReadOnlySpan<char> text, out PrivateKey? key) => TryParse(text, hex: true, out key);

    public PublicKey ComputePublicKey()
    {
        Span<byte> publicKey = stackalloc byte[PublicKey.Size];
        NoiseCrypto.DhPublicKey(Bytes, publicKey);
        return new PublicKey(publicKey);
    }

    public PrivateKey Clone() => new(Bytes);

    private static bool TryParse(ReadOnlySpan<char> text, bool hex, out PrivateKey? key)
    {
        Span<byte> bytes = stackalloc byte[Size];
        key = TryDecode(text, hex, bytes) ? new PrivateKey(bytes) : null;
        NoiseCrypto.Zero(bytes);
        return key is not null;
    }
}
