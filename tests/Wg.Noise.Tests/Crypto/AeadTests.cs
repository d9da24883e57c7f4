// ChaCha20-Poly1305 (RFC 8439 §2.8.2) and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 §A.3.1)
// against their published vectors, plus tamper detection and WireGuard's counter nonce.
using System.Text;
using WgSharp.Noise.Crypto;

namespace WgSharp.Noise.Tests.Crypto;

public class AeadTests
{
    private static readonly byte[] Sunscreen = Encoding.ASCII.GetBytes(
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    private static readonly byte[] Key = Convert.FromHexString("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    private static readonly byte[] Aad = Convert.FromHexString("50515253c0c1c2c3c4c5c6c7");

    [Fact]
    public void ChaCha20Poly1305_matches_RFC8439_section_2_8_2()
    {
        byte[] nonce = Convert.FromHexString("070000004041424344454647");
        var sealedBytes = new byte[Sunscreen.Length + 16];
        Aead.Seal(Key, nonce, Sunscreen, Aad, sealedBytes);
        Assert.Equal(
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b" +
            "1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" +
            "3ff4def08e4b7a9de576d26586cec64b6116" + "1ae10b594f09e26a7e902ecbd0600691",
            Convert.ToHexStringLower(sealedBytes));

        var opened = new byte[Sunscreen.Length];
        Assert.True(Aead.Open(Key, nonce, sealedBytes, Aad, opened));
        Assert.Equal(Sunscreen, opened);
    }

    [Fact]
    public void XChaCha20Poly1305_matches_draft_irtf_cfrg_xchacha_A_3_1()
    {
        byte[] nonce = Convert.FromHexString("404142434445464748494a4b4c4d4e4f5051525354555657");
        var sealedBytes = new byte[Sunscreen.Length + 16];
        XAead.Seal(Key, nonce, Sunscreen, Aad, sealedBytes);
        Assert.Equal(
            "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39" +
            "ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9" +
            "21f9664c97637da9768812f615c68b13b52e" + "c0875924c1c7987947deafd8780acf49",
            Convert.ToHexStringLower(sealedBytes));

        var opened = new byte[Sunscreen.Length];
        Assert.True(XAead.Open(Key, nonce, sealedBytes, Aad, opened));
        Assert.Equal(Sunscreen, opened);
    }

    [Fact]
    public void Any_flipped_bit_in_ciphertext_tag_or_aad_fails_authentication()
    {
        var sealedBytes = new byte[Sunscreen.Length + 16];
        Aead.Seal(Key, 42, Sunscreen, Aad, sealedBytes);
        var output = new byte[Sunscreen.Length];
        for (int i = 0; i < sealedBytes.Length; i += 7)
        {
            byte[] tampered = (byte[])sealedBytes.Clone();
            tampered[i] ^= 0x01;
            Assert.False(Aead.Open(Key, 42, tampered, Aad, output), $"byte {i}");
        }

        byte[] otherAad = (byte[])Aad.Clone();
        otherAad[0] ^= 0x80;
        Assert.False(Aead.Open(Key, 42, sealedBytes, otherAad, output));
        Assert.False(Aead.Open(Key, 43, sealedBytes, Aad, output));
        Assert.True(Aead.Open(Key, 42, sealedBytes, Aad, output));
    }

    [Fact]
    public void Counter_nonce_is_four_zero_bytes_then_little_endian_counter()
    {
        // Whitepaper §5.4.6: the nonce is 32 bits of zeros followed by the 64-bit little-endian counter.
        Span<byte> nonce = stackalloc byte[12];
        Aead.WriteNonce(nonce, 0x0102030405060708);
        Assert.Equal("000000000807060504030201", Convert.ToHexStringLower(nonce));

        var viaCounter = new byte[32];
        var viaNonce = new byte[32];
        Aead.Seal(Key, 0x0102030405060708, "sixteen bytes..."u8, default, viaCounter);
        Aead.Seal(Key, nonce, "sixteen bytes..."u8, default, viaNonce);
        Assert.Equal(viaNonce, viaCounter);
    }

    [Fact]
    public void Sealing_in_place_works()
    {
        byte[] buffer = new byte[Sunscreen.Length + 16];
        Sunscreen.CopyTo(buffer, 0);
        Aead.Seal(Key, 7, buffer.AsSpan(0, Sunscreen.Length), Aad, buffer);
        Assert.True(Aead.Open(Key, 7, buffer, Aad, buffer));
        Assert.Equal(Sunscreen, buffer[..Sunscreen.Length]);
    }

    [Fact]
    public void Self_test_passes()
    {
        CryptoSelfTest.EnsurePassed();
    }
}
