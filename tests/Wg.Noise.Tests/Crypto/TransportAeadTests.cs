// TransportAead: the OpenSSL path for large packets produces exactly libsodium's output, opens it, and
// refuses forgeries; small packets, partial overlaps and concurrent threads stay correct.
using System.Security.Cryptography;
using WgSharp.Noise.Crypto;

namespace WgSharp.Noise.Tests.Crypto;

public sealed class TransportAeadTests
{
    private static (byte[] Key, byte[] Plaintext) Input(int length, int seed)
    {
        var random = new Random(seed);
        byte[] key = new byte[Aead.KeySize];
        byte[] plaintext = new byte[length];
        random.NextBytes(key);
        random.NextBytes(plaintext);
        return (key, plaintext);
    }

    [Fact]
    public void OpenSsl_is_used_where_libcrypto_is_installed()
    {
        // libcrypto.so.3 ships with the .NET runtime's dependencies on every machine this runs on; if
        // this fails, the large-packet path silently became the slow one.
        Assert.True(TransportAead.UsesOpenSsl);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(TransportAead.OpenSslThreshold - 1)]
    [InlineData(TransportAead.OpenSslThreshold)]
    [InlineData(1420)]
    [InlineData(1440)]
    [InlineData(65535)]
    public void Sealing_matches_the_reference_and_opens_in_place(int length)
    {
        (byte[] key, byte[] plaintext) = Input(length, length);
        const ulong counter = 0x1122334455667788;
        byte[] expected = new byte[length + Aead.TagSize];
        Aead.Seal(key, counter, plaintext, default, expected);

        // In place, as Session.Seal runs it.
        byte[] buffer = new byte[length + Aead.TagSize];
        plaintext.CopyTo(buffer, 0);
        TransportAead.Seal(key, counter, buffer.AsSpan(0, length), buffer);
        Assert.Equal(expected, buffer);

        Assert.True(TransportAead.Open(key, counter, buffer, buffer.AsSpan(0, length)));
        Assert.Equal(plaintext, buffer.AsSpan(0, length).ToArray());
    }

    [Theory]
    [InlineData(1420, 0)]
    [InlineData(1420, 1419)]
    [InlineData(1420, 1420)]
    [InlineData(1420, 1435)]
    [InlineData(64, 3)]
    public void A_forgery_is_refused_and_leaves_no_plaintext(int length, int flippedByte)
    {
        (byte[] key, byte[] plaintext) = Input(length, flippedByte);
        byte[] sealedMessage = new byte[length + Aead.TagSize];
        TransportAead.Seal(key, 7, plaintext, sealedMessage);
        sealedMessage[flippedByte] ^= 0x80;
        byte[] opened = new byte[length];
        Array.Fill(opened, (byte)0xAA);
        Assert.False(TransportAead.Open(key, 7, sealedMessage, opened));
        Assert.False(TransportAead.Open(key, 8, ChangeBack(sealedMessage, flippedByte), opened)); // wrong counter
        if (length >= TransportAead.OpenSslThreshold)
        {
            Assert.All(opened, b => Assert.Equal(0, b));
        }
    }

    private static byte[] ChangeBack(byte[] message, int flippedByte)
    {
        byte[] copy = (byte[])message.Clone();
        copy[flippedByte] ^= 0x80;
        return copy;
    }

    [Fact]
    public void A_partial_overlap_still_gives_the_right_ciphertext()
    {
        (byte[] key, byte[] plaintext) = Input(1420, 99);
        byte[] expected = new byte[1420 + Aead.TagSize];
        Aead.Seal(key, 1, plaintext, default, expected);
        byte[] buffer = new byte[1420 + Aead.TagSize + 16];
        plaintext.CopyTo(buffer, 16);
        // Output starts 16 bytes before the input: neither in place nor apart, so libsodium handles it
        // the way it always has; the answer must not depend on the path.
        byte[] reference = new byte[buffer.Length];
        plaintext.CopyTo(reference, 16);
        Aead.Seal(key, 1, reference.AsSpan(16, 1420), default, reference.AsSpan(0, 1420 + Aead.TagSize));
        TransportAead.Seal(key, 1, buffer.AsSpan(16, 1420), buffer.AsSpan(0, 1420 + Aead.TagSize));
        Assert.Equal(reference, buffer);
    }

    [Fact]
    public void Threads_sealing_with_different_keys_do_not_disturb_each_other()
    {
        const int threads = 4;
        const int rounds = 300;
        int failures = 0;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            for (int i = 0; i < rounds; i++)
            {
                (byte[] key, byte[] plaintext) = Input(512 + (i % 1000), t * 100_000 + i);
                byte[] expected = new byte[plaintext.Length + Aead.TagSize];
                byte[] actual = new byte[expected.Length];
                Aead.Seal(key, (ulong)i, plaintext, default, expected);
                TransportAead.Seal(key, (ulong)i, plaintext, actual);
                byte[] opened = new byte[plaintext.Length];
                if (!CryptographicOperations.FixedTimeEquals(expected, actual)
                    || !TransportAead.Open(key, (ulong)i, actual, opened) || !opened.AsSpan().SequenceEqual(plaintext))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        Assert.Equal(0, failures);
    }
}
