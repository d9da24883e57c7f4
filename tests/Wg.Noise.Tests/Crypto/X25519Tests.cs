// X25519 against RFC 7748 (§5.2 scalar multiplication, §6.1 Diffie-Hellman) and the low-order
// point rejection WireGuard relies on.
using WgSharp.Noise.Crypto;

namespace WgSharp.Noise.Tests.Crypto;

public class X25519Tests
{
    [Fact]
    public void Scalar_multiplication_matches_RFC7748_section_5_2()
    {
        byte[] scalar = Convert.FromHexString("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
        byte[] u = Convert.FromHexString("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
        var output = new byte[32];
        Assert.True(NoiseCrypto.Dh(scalar, u, output));
        Assert.Equal("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552", Convert.ToHexStringLower(output));
    }

    [Fact]
    public void Diffie_Hellman_matches_RFC7748_section_6_1()
    {
        byte[] alice = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bob = Convert.FromHexString("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        var alicePublic = new byte[32];
        var bobPublic = new byte[32];
        NoiseCrypto.DhPublicKey(alice, alicePublic);
        NoiseCrypto.DhPublicKey(bob, bobPublic);
        Assert.Equal("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", Convert.ToHexStringLower(alicePublic));
        Assert.Equal("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", Convert.ToHexStringLower(bobPublic));

        var shared1 = new byte[32];
        var shared2 = new byte[32];
        Assert.True(NoiseCrypto.Dh(alice, bobPublic, shared1));
        Assert.True(NoiseCrypto.Dh(bob, alicePublic, shared2));
        Assert.Equal("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", Convert.ToHexStringLower(shared1));
        Assert.Equal(shared1, shared2);
    }

    [Fact]
    public void Low_order_public_key_is_rejected()
    {
        byte[] alice = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        var output = new byte[32];
        Assert.False(NoiseCrypto.Dh(alice, new byte[32], output)); // the all-zero point
        byte[] one = new byte[32];
        one[0] = 1;
        Assert.False(NoiseCrypto.Dh(alice, one, output)); // u = 1 has order 1
    }
}
