// Checksum against a naive word-by-word model (property tests), RFC 1071's worked example, and
// RFC 1624 incremental updates against full recomputation.
using System.Buffers.Binary;
using FsCheck.Fluent;
using WgSharp.Router.Packets;

namespace WgSharp.Router.Tests;

public class ChecksumTests
{
    [Fact]
    public void Rfc1071WorkedExample()
    {
        // RFC 1071 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2.
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        Assert.Equal(0xddf2u, Checksum.Sum(data));
        Assert.Equal((ushort)0x220d, Checksum.Compute(data));
    }

    [Fact]
    public void OddTrailingByteIsPaddedOnTheRight()
    {
        Assert.Equal(0xAB00u, Checksum.Sum([0xAB]));
        Assert.Equal(0x0102u + 0x0300u, Checksum.Sum([0x01, 0x02, 0x03]));
    }

    [Fact]
    public void SumMatchesNaiveModelForAnyLengthAndAlignment()
    {
        Generators.Check(Prop.ForAll(
            Arb.From(Generators.Zip(Generators.Bytes(0, 3000), Gen.Choose(0, 7))),
            t =>
            {
                (byte[] data, int skip) = t;
                byte[] slice = data.Length > skip ? data[skip..] : [];
                return Checksum.Sum(data.AsSpan(Math.Min(skip, data.Length))) == TestPackets.NaiveSum(slice);
            }));
    }

    [Fact]
    public void PartialSumsChainOverEvenPieces()
    {
        Generators.Check(Prop.ForAll(
            Arb.From(Generators.Zip(Generators.Bytes(0, 600), Generators.Bytes(0, 600))),
            t =>
            {
                (byte[] a, byte[] b) = t;
                if (a.Length % 2 == 1)
                {
                    a = a[..^1];
                }
                return Checksum.Sum(b, Checksum.Sum(a)) == TestPackets.NaiveSum(a, b);
            }));
    }

    [Fact]
    public void PseudoHeaderChecksumsMatchNaiveModel()
    {
        Generators.Check(Prop.ForAll(
            Arb.From(Generators.Zip(Generators.Bytes(0, 1500), Generators.V6Address, Generators.V6Address)),
            t =>
            {
                (byte[] segment, byte[] src6, byte[] dst6) = t;
                byte[] src4 = src6[..4];
                byte[] dst4 = dst6[12..];
                ushort v4 = Checksum.ComputeV4(segment, src4, dst4, 6);
                ushort v6 = Checksum.ComputeV6(segment, src6, dst6, 58);
                return v4 == TestPackets.NaiveChecksum(TestPackets.PseudoHeaderV4(src4, dst4, 6, segment.Length), segment)
                    && v6 == TestPackets.NaiveChecksum(TestPackets.PseudoHeaderV6(src6, dst6, 58, segment.Length), segment);
            }));
    }

    [Fact]
    public void VerifyAcceptsCorrectAndRejectsAnySingleBitFlip()
    {
        Generators.Check(Prop.ForAll(
            Arb.From(Generators.Zip(Generators.Bytes(4, 400), Gen.Choose(0, int.MaxValue))),
            t =>
            {
                (byte[] data, int bitSeed) = t;
                data[0] = 0;
                data[1] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(data, Checksum.Compute(data));
                bool good = Checksum.Verify(data);
                int bit = bitSeed % (data.Length * 8);
                data[bit / 8] ^= (byte)(1 << (bit % 8));
                return good && !Checksum.Verify(data);
            }));
    }

    [Fact]
    public void IncrementalUpdateOf16BitWordMatchesRecomputation()
    {
        Generators.Check(Prop.ForAll(
            Arb.From(Generators.Zip(Generators.Bytes(4, 200), Gen.Choose(0, 1000), Generators.UInt16)),
            t =>
            {
                (byte[] data, int position, ushort newWord) = t;
                int words = data.Length / 2;
                int field = 1 + (position % (words - 1)); // word 0 holds the checksum
                return IncrementalMatches(data, 2 * field, 2, (c, oldBytes, newBytes) =>
                    Checksum.Update(c, BinaryPrimitives.ReadUInt16BigEndian(oldBytes), BinaryPrimitives.ReadUInt16BigEndian(newBytes)),
                    [(byte)(newWord >> 8), (byte)newWord]);
            }));
    }

    [Fact]
    public void IncrementalUpdateOf32BitWordMatchesRecomputation()
    {
        Generators.Check(Prop.ForAll(
            Arb.From(Generators.Zip(Generators.Bytes(6, 200), Gen.Choose(0, 1000), Generators.UInt32)),
            t =>
            {
                (byte[] data, int position, uint newValue) = t;
                int words = data.Length / 2;
                int field = 1 + (position % (words - 2));
                byte[] replacement = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(replacement, newValue);
                return IncrementalMatches(data, 2 * field, 4, (c, oldBytes, newBytes) =>
                    Checksum.Update32(c, BinaryPrimitives.ReadUInt32BigEndian(oldBytes), BinaryPrimitives.ReadUInt32BigEndian(newBytes)),
                    replacement);
            }));
    }

    [Fact]
    public void IncrementalAddressUpdateMatchesRecomputation()
    {
        Generators.Check(Prop.ForAll(
            Arb.From(Generators.Zip(Generators.Bytes(40, 300), Gen.Choose(0, 1000), Generators.V6Address, Gen.Elements(4, 16))),
            t =>
            {
                (byte[] data, int position, byte[] address, int size) = t;
                int words = data.Length / 2;
                int field = 1 + (position % (words - (size / 2)));
                return IncrementalMatches(data, 2 * field, size, (c, oldBytes, newBytes) =>
                    Checksum.UpdateAddress(c, oldBytes, newBytes), address[..size]);
            }));
    }

    [Fact]
    public void IncrementalUpdateAtOddOffsetMatchesRecomputation()
    {
        Generators.Check(Prop.ForAll(
            Arb.From(Generators.Zip(Generators.Bytes(6, 200), Gen.Choose(0, 1000), Generators.UInt16)),
            t =>
            {
                (byte[] data, int position, ushort newWord) = t;
                int offset = 2 + (position % (data.Length - 3)); // any offset after the checksum word, odd or even
                return IncrementalMatches(data, offset, 2, (c, oldBytes, newBytes) =>
                    Checksum.UpdateAt(c, offset, BinaryPrimitives.ReadUInt16BigEndian(oldBytes), BinaryPrimitives.ReadUInt16BigEndian(newBytes)),
                    [(byte)(newWord >> 8), (byte)newWord]);
            }));
    }

    [Fact]
    public void IncrementalUpdateKeepsChecksumVerifiable()
    {
        byte[] data = [0, 0, 0x45, 0x00, 0x12, 0x34, 0xff, 0xff, 0x00, 0x01];
        BinaryPrimitives.WriteUInt16BigEndian(data, TestPackets.NaiveChecksum(data));
        ushort updated = Checksum.Update(BinaryPrimitives.ReadUInt16BigEndian(data), (ushort)0xffff, (ushort)0x0000);
        data[6] = 0;
        data[7] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(data, updated);
        Assert.True(Checksum.Verify(data));
    }

    /// <summary>
    /// Sets a correct checksum in bytes 0..1, replaces <paramref name="size"/> bytes at <paramref name="offset"/>,
    /// and compares the incremental result with a naive full recomputation. The two may legitimately
    /// differ only as 0x0000 vs 0xFFFF when every other byte is zero (RFC 1624 4).
    /// </summary>
    private static bool IncrementalMatches(byte[] data, int offset, int size, Func<ushort, byte[], byte[], ushort> update, byte[] replacement)
    {
        data[0] = 0;
        data[1] = 0;
        ushort original = TestPackets.NaiveChecksum(data);
        byte[] oldBytes = data[offset..(offset + size)];
        replacement.CopyTo(data, offset);
        ushort incremental = update(original, oldBytes, replacement);
        ushort full = TestPackets.NaiveChecksum(data);
        if (incremental == full)
        {
            return true;
        }
        return data.All(b => b == 0) && (incremental ^ full) == 0xFFFF;
    }
}
