// The offload code's Internet checksum (RFC 1071) against a word-by-word model, over the lengths and alignments
// where its vector, 8-byte and tail paths meet, and over more than one vector block.
using System.Buffers.Binary;
using WgSharp.Tun.Offload;

namespace WgSharp.Tun.Tests.Offload;

public class InternetChecksumTests
{
    private static uint Model(ReadOnlySpan<byte> data, uint initial)
    {
        ulong sum = initial;
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += i + 1 < data.Length ? BinaryPrimitives.ReadUInt16BigEndian(data[i..]) : (uint)(data[i] << 8);
        }
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (uint)sum;
    }

    [Fact]
    public void SumMatchesTheModelForEveryLengthAndAlignmentUpTo300()
    {
        byte[] data = new byte[320];
        new Random(1).NextBytes(data);
        for (int offset = 0; offset < 8; offset++)
        {
            for (int length = 0; length <= 300; length++)
            {
                ReadOnlySpan<byte> span = data.AsSpan(offset, length);
                Assert.Equal(Model(span, 0x1234), InternetChecksum.Sum(span, 0x1234));
            }
        }
    }

    [Theory]
    [InlineData(1420)]
    [InlineData(32 * 1024 + 64 + 7)] // crosses a vector block boundary
    [InlineData(65535)]
    [InlineData(1 << 20)]
    public void SumMatchesTheModelForLargeSpansIncludingAllOnes(int length)
    {
        byte[] random = new byte[length];
        new Random(length).NextBytes(random);
        Assert.Equal(Model(random, 0), InternetChecksum.Sum(random));
        byte[] ones = Enumerable.Repeat((byte)0xFF, length).ToArray(); // the largest lane growth per step
        Assert.Equal(Model(ones, 0), InternetChecksum.Sum(ones));
    }
}
