// BLAKE2s against RFC 7693 (Appendix B and the Appendix E self-test covering keyed hashing and
// several digest/input lengths), and HMAC/KDF shape checks.
using WgSharp.Noise.Crypto;

namespace WgSharp.Noise.Tests.Crypto;

public class Blake2sTests
{
    [Fact]
    public void Abc_matches_RFC7693_appendix_B()
    {
        Span<byte> digest = stackalloc byte[32];
        Blake2s.Hash("abc"u8, digest);
        Assert.Equal("508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982", Convert.ToHexStringLower(digest));
    }

    // RFC 7693 Appendix E: hashes over keyed and unkeyed inputs of several lengths fed into one hash.
    [Fact]
    public void Grand_hash_self_test_matches_RFC7693_appendix_E()
    {
        var grand = new Blake2s(32);
        Span<byte> md = stackalloc byte[32];
        foreach (int outLength in new[] { 16, 20, 28, 32 })
        {
            foreach (int inLength in new[] { 0, 3, 64, 65, 255, 1024 })
            {
                byte[] input = Sequence(inLength, (uint)inLength);
                Blake2s.Hash(input, md[..outLength]);
                grand.Update(md[..outLength]);

                byte[] key = Sequence(outLength, (uint)outLength);
                Blake2s.Hash(input, md[..outLength], key);
                grand.Update(md[..outLength]);
            }
        }

        grand.Finish(md);
        Assert.Equal("6a411f08ce25adcdfb02aba641451cec53c598b24f4fc787fbdc88797f4c1dfe", Convert.ToHexStringLower(md));
    }

    [Fact]
    public void Incremental_updates_equal_one_shot_for_every_split()
    {
        byte[] input = Sequence(200, 7);
        Span<byte> expected = stackalloc byte[32];
        Span<byte> actual = stackalloc byte[32];
        Blake2s.Hash(input, expected);
        for (int split = 0; split <= input.Length; split++)
        {
            var state = new Blake2s(32);
            state.Update(input.AsSpan(0, split));
            state.Update(input.AsSpan(split));
            state.Finish(actual);
            Assert.True(expected.SequenceEqual(actual), $"split at {split}");
        }
    }

    [Fact]
    public void Hmac_differs_from_keyed_hash_and_depends_on_key()
    {
        byte[] key1 = Sequence(32, 1), key2 = Sequence(32, 2);
        Span<byte> a = stackalloc byte[32], b = stackalloc byte[32], c = stackalloc byte[32];
        NoiseCrypto.Hmac(key1, "data"u8, a);
        NoiseCrypto.Hmac(key2, "data"u8, b);
        Blake2s.Hash("data"u8, c, key1);
        Assert.False(a.SequenceEqual(b));
        Assert.False(a.SequenceEqual(c));
    }

    [Fact]
    public void Kdf_outputs_chain_as_specified()
    {
        // τ1 = HMAC(τ0, 0x1), τ2 = HMAC(τ0, τ1 || 0x2), τ3 = HMAC(τ0, τ2 || 0x3), τ0 = HMAC(key, input).
        byte[] key = Sequence(32, 3);
        byte[] input = Sequence(32, 4);
        Span<byte> t1 = stackalloc byte[32], t2 = stackalloc byte[32], t3 = stackalloc byte[32];
        NoiseCrypto.Kdf3(key, input, t1, t2, t3);

        byte[] t0 = new byte[32], e1 = new byte[32], e2 = new byte[32], e3 = new byte[32];
        NoiseCrypto.Hmac(key, input, t0);
        NoiseCrypto.Hmac(t0, [1], e1);
        NoiseCrypto.Hmac(t0, [.. e1, 2], e2);
        NoiseCrypto.Hmac(t0, [.. e2, 3], e3);
        Assert.Equal(e1, t1.ToArray());
        Assert.Equal(e2, t2.ToArray());
        Assert.Equal(e3, t3.ToArray());

        // KDF1/KDF2 are prefixes of KDF3, and the output may alias the key (Ci := KDF(Ci, ...)).
        byte[] aliased = (byte[])key.Clone();
        NoiseCrypto.Kdf1(aliased, input, aliased);
        Assert.Equal(e1, aliased);
    }

    // The RFC's deterministic test-input generator (Appendix E, selftest_seq).
    internal static byte[] Sequence(int length, uint seed)
    {
        var output = new byte[length];
        uint a = 0xDEAD4BAD * seed, b = 1;
        for (int i = 0; i < length; i++)
        {
            uint t = a + b;
            a = b;
            b = t;
            output[i] = (byte)(t >> 24);
        }

        return output;
    }
}
