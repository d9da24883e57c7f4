// Key types: text encodings (base64 as `wg` writes it, hex as the UAPI writes it), equality,
// redaction and zeroing of secrets.
using WgSharp.Noise.Keys;

namespace WgSharp.Noise.Tests.Keys;

public class KeyTests
{
    private const string AlicePrivateBase64 = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
    private const string AlicePublicBase64 = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";

    [Fact]
    public void Public_key_is_derived_from_private_key()
    {
        Assert.True(PrivateKey.TryParseBase64(AlicePrivateBase64, out PrivateKey? key));
        using (key)
        {
            Assert.Equal(AlicePublicBase64, key!.ComputePublicKey().ToBase64());
        }
    }

    [Fact]
    public void Generated_private_key_is_clamped()
    {
        using PrivateKey key = PrivateKey.Generate(SystemRandomSource.Instance);
        byte[] bytes = Convert.FromBase64String(key.ExportBase64());
        Assert.Equal(0, bytes[0] & 7);
        Assert.Equal(0x40, bytes[31] & 0xC0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo")]    // no padding
    [InlineData("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo==")]  // too long
    [InlineData(" SDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=")]   // white space
    [InlineData("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTm==")]   // 31 bytes
    [InlineData("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTm-=")]   // url-safe alphabet
    [InlineData("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmp=")]   // non-canonical: unused low bits set
    public void Malformed_base64_is_rejected(string text)
    {
        Assert.False(PublicKey.TryParseBase64(text, out _));
        Assert.False(PrivateKey.TryParseBase64(text, out PrivateKey? key));
        Assert.Null(key);
    }

    [Fact]
    public void Hex_and_base64_round_trip()
    {
        Assert.True(PublicKey.TryParseBase64(AlicePublicBase64, out PublicKey key));
        Assert.Equal("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", key.ToHex());
        Assert.True(PublicKey.TryParseHex(key.ToHex(), out PublicKey again));
        Assert.Equal(key, again);
        Assert.True(PublicKey.TryParseHex(key.ToHex().ToUpperInvariant(), out _));
        Assert.False(PublicKey.TryParseHex(key.ToHex().AsSpan(0, 63), out _));
        Assert.False(PublicKey.TryParseHex(key.ToHex()[..63] + "g", out _));
    }

    [Fact]
    public void Public_keys_work_as_dictionary_keys()
    {
        Assert.True(PublicKey.TryParseBase64(AlicePublicBase64, out PublicKey a));
        Assert.True(PublicKey.TryParseHex(a.ToHex(), out PublicKey b));
        var map = new Dictionary<PublicKey, int> { [a] = 1 };
        Assert.Equal(1, map[b]);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.True(a == b);
        Assert.False(a.IsZero);
        Assert.True(default(PublicKey).IsZero);
    }

    [Fact]
    public void Secrets_are_never_printed_and_are_unusable_after_dispose()
    {
        Assert.True(PrivateKey.TryParseBase64(AlicePrivateBase64, out PrivateKey? key));
        Assert.DoesNotContain(AlicePrivateBase64, key!.ToString());
        Assert.DoesNotContain(AlicePrivateBase64, $"{key}");
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.ExportBase64());

        using PresharedKey psk = PresharedKey.Generate(SystemRandomSource.Instance);
        Assert.DoesNotContain(psk.ExportBase64(), psk.ToString());
        Assert.True(psk.SecretEquals(psk.Clone()));
    }
}
