// An optional 32-byte symmetric key mixed into the handshake (Noise "psk2"); all zeros means none.
using WgSharp.Noise.Crypto;

namespace WgSharp.Noise.Keys;

public sealed class PresharedKey : SecretKey
{
    private PresharedKey(ReadOnlySpan<byte> bytes) : base(bytes) { }

    public static PresharedKey Generate(IRandomSource random)
    {
        Span<byte> bytes = stackalloc byte[Size];
        random.Fill(bytes);
        var key = new PresharedKey(bytes);
        NoiseCrypto.Zero(bytes);
        return key;
    }

    public static PresharedKey FromBytes(ReadOnlySpan<byte> bytes) => new(bytes);

    public static bool TryParseBase64(ReadOnlySpan<char> text, out PresharedKey? key) => TryParse(text, hex: false, out key);

    public static bool TryParseHex(ReadOnlySpan<char> text, out PresharedKey? key) => TryParse(text, hex: true, out key);

    public PresharedKey Clone() => new(Bytes);

    private static bool TryParse(ReadOnlySpan<char> text, bool hex, out PresharedKey? key)
    {
        Span<byte> bytes = stackalloc byte[Size];
        key = TryDecode(text, hex, bytes) ? new PresharedKey(bytes) : null;
        NoiseCrypto.Zero(bytes);
        return key is not null;
    }
}
