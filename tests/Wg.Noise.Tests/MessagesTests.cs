// Tests of the WireGuard message views: exact layouts, round trips, rejection of malformed datagrams, no throws.
using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using WgSharp.Noise.Messages;

namespace WgSharp.Noise.Tests;

public class MessagesTests
{
    // Fills bytes [offset, offset + length) of an expected image with one marker value.
    private static void Mark(byte[] image, int offset, int length, byte marker) =>
        image.AsSpan(offset, length).Fill(marker);

    [Fact]
    public void HandshakeInitiationLayoutAndRoundTrip()
    {
        var buffer = new byte[200];
        buffer.AsSpan().Fill(0xee);
        var message = HandshakeInitiationMessage.Create(buffer);
        Assert.Equal(148, HandshakeInitiationMessage.Size);
        Assert.Equal(148, message.Bytes.Length);
        Assert.All(message.Mac2.ToArray(), b => Assert.Equal(0, b)); // Create zeroes the whole message
        Assert.Equal(0xee, buffer[148]); // and nothing past it

        message.SenderIndex = 0x04030201;
        message.UnencryptedEphemeral.Fill(0xa1);
        message.EncryptedStatic.Fill(0xa2);
        message.EncryptedTimestamp.Fill(0xa3);
        message.Mac1.Fill(0xa4);
        message.Mac2.Fill(0xa5);

        var expected = new byte[148];
        expected[0] = 1;
        expected[4] = 1;
        expected[5] = 2;
        expected[6] = 3;
        expected[7] = 4;
        Mark(expected, 8, 32, 0xa1);
        Mark(expected, 40, 48, 0xa2);
        Mark(expected, 88, 28, 0xa3);
        Mark(expected, 116, 16, 0xa4);
        Mark(expected, 132, 16, 0xa5);
        Assert.Equal(expected, buffer[..148]);

        var datagram = buffer[..148];
        Assert.True(MessageParser.TryGetType(datagram, out var type));
        Assert.Equal(MessageType.HandshakeInitiation, type);
        Assert.True(HandshakeInitiationMessage.TryRead(datagram, out var read));
        Assert.Equal(0x04030201u, read.SenderIndex);
        Assert.True(read.UnencryptedEphemeral.SequenceEqual(expected.AsSpan(8, 32)));
        Assert.True(read.EncryptedTimestamp.SequenceEqual(expected.AsSpan(88, 28)));
        Assert.True(read.MacedBytesForMac1.SequenceEqual(expected.AsSpan(0, 116)));
        Assert.True(read.MacedBytesForMac2.SequenceEqual(expected.AsSpan(0, 132)));
        Assert.True(read.MacedBytesForMac2.Overlaps(datagram, out var offset) && offset == 0);
    }

    [Fact]
    public void HandshakeResponseLayoutAndRoundTrip()
    {
        var buffer = new byte[92];
        buffer.AsSpan().Fill(0xee);
        var message = HandshakeResponseMessage.Create(buffer);
        Assert.Equal(92, message.Bytes.Length);
        Assert.All(message.Mac2.ToArray(), b => Assert.Equal(0, b));

        message.SenderIndex = 0x11223344;
        message.ReceiverIndex = 0x55667788;
        message.UnencryptedEphemeral.Fill(0xb1);
        message.EncryptedNothing.Fill(0xb2);
        message.Mac1.Fill(0xb3);
        message.Mac2.Fill(0xb4);

        var expected = new byte[92];
        expected[0] = 2;
        BinaryPrimitives.WriteUInt32LittleEndian(expected.AsSpan(4), 0x11223344);
        BinaryPrimitives.WriteUInt32LittleEndian(expected.AsSpan(8), 0x55667788);
        Mark(expected, 12, 32, 0xb1);
        Mark(expected, 44, 16, 0xb2);
        Mark(expected, 60, 16, 0xb3);
        Mark(expected, 76, 16, 0xb4);
        Assert.Equal(expected, buffer);

        Assert.True(HandshakeResponseMessage.TryRead(buffer, out var read));
        Assert.Equal(0x11223344u, read.SenderIndex);
        Assert.Equal(0x55667788u, read.ReceiverIndex);
        Assert.Equal(60, read.MacedBytesForMac1.Length);
        Assert.Equal(76, read.MacedBytesForMac2.Length);
        Assert.True(read.EncryptedNothing.SequenceEqual(expected.AsSpan(44, 16)));
    }

    [Fact]
    public void CookieReplyLayoutAndRoundTrip()
    {
        var buffer = new byte[64];
        var message = CookieReplyMessage.Create(buffer);
        message.ReceiverIndex = 0xdeadbeef;
        message.Nonce.Fill(0xc1);
        message.EncryptedCookie.Fill(0xc2);

        var expected = new byte[64];
        expected[0] = 3;
        BinaryPrimitives.WriteUInt32LittleEndian(expected.AsSpan(4), 0xdeadbeef);
        Mark(expected, 8, 24, 0xc1);
        Mark(expected, 32, 32, 0xc2);
        Assert.Equal(expected, buffer);

        Assert.True(CookieReplyMessage.TryRead(buffer, out var read));
        Assert.Equal(0xdeadbeefu, read.ReceiverIndex);
        Assert.True(read.Nonce.SequenceEqual(expected.AsSpan(8, 24)));
        Assert.True(read.EncryptedCookie.SequenceEqual(expected.AsSpan(32, 32)));
    }

    [Fact]
    public void TransportDataLayoutAndRoundTripLeavesThePayloadInPlace()
    {
        var buffer = new byte[16 + 100 + 16];
        buffer.AsSpan(16).Fill(0xd1); // plaintext already sitting after the header's headroom
        var message = TransportDataMessage.Create(buffer);
        message.ReceiverIndex = 0x01020304;
        message.Counter = 0x1122334455667788;

        var expected = new byte[buffer.Length];
        expected[0] = 4;
        BinaryPrimitives.WriteUInt32LittleEndian(expected.AsSpan(4), 0x01020304);
        BinaryPrimitives.WriteUInt64LittleEndian(expected.AsSpan(8), 0x1122334455667788);
        Mark(expected, 16, buffer.Length - 16, 0xd1);
        Assert.Equal(expected, buffer);

        Assert.True(TransportDataMessage.TryRead(buffer, out var read));
        Assert.Equal(0x01020304u, read.ReceiverIndex);
        Assert.Equal(0x1122334455667788UL, read.Counter);
        Assert.Equal(16, read.Header.Length);
        Assert.Equal(buffer.Length - 16, read.Ciphertext.Length);
        Assert.Equal(buffer.Length, read.Bytes.Length);
    }

    [Fact]
    public void KeepaliveIsTheSmallestTransportMessage()
    {
        Assert.Equal(32, TransportDataMessage.MinimumSize);
        var keepalive = new byte[32];
        _ = TransportDataMessage.Create(keepalive);
        Assert.True(TransportDataMessage.TryRead(keepalive, out var read));
        Assert.Equal(16, read.Ciphertext.Length);
        Assert.False(TransportDataMessage.TryRead(keepalive.AsSpan(0, 31), out _));
    }

    [Fact]
    public void CreateThrowsWhenTheBufferIsTooSmall()
    {
        Assert.Throws<ArgumentException>(() => { _ = HandshakeInitiationMessage.Create(new byte[147]); });
        Assert.Throws<ArgumentException>(() => { _ = HandshakeResponseMessage.Create(new byte[91]); });
        Assert.Throws<ArgumentException>(() => { _ = CookieReplyMessage.Create(new byte[63]); });
        Assert.Throws<ArgumentException>(() => { _ = TransportDataMessage.Create(new byte[31]); });
    }

    [Theory]
    [InlineData(1, 148)]
    [InlineData(2, 92)]
    [InlineData(3, 64)]
    public void HandshakeMessagesMustHaveTheirExactSize(byte type, int size)
    {
        foreach (var length in new[] { size - 1, size + 1, 4, 32, 1500 })
        {
            var datagram = new byte[length];
            datagram[0] = type;
            Assert.False(MessageParser.TryGetType(datagram, out _), $"type {type} with {length} bytes");
        }

        var exact = new byte[size];
        exact[0] = type;
        Assert.True(MessageParser.TryGetType(exact, out var parsed));
        Assert.Equal((MessageType)type, parsed);
    }

    [Fact]
    public void TransportMessagesOfAnySizeFromThirtyTwoAreAccepted()
    {
        foreach (var length in new[] { 32, 33, 148, 1500, 65535 })
        {
            var datagram = new byte[length];
            datagram[0] = 4;
            Assert.True(MessageParser.TryGetType(datagram, out var type));
            Assert.Equal(MessageType.TransportData, type);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void NonzeroReservedBytesAreRejected(int reservedIndex)
    {
        foreach (var (type, size) in new[] { (1, 148), (2, 92), (3, 64), (4, 32) })
        {
            var datagram = new byte[size];
            datagram[0] = (byte)type;
            datagram[reservedIndex] = 0x01;
            Assert.False(MessageParser.TryGetType(datagram, out _));
            datagram[reservedIndex] = 0x80;
            Assert.False(MessageParser.TryGetType(datagram, out _));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(0xff)]
    public void UnknownTypesAreRejected(byte type)
    {
        foreach (var size in new[] { 32, 64, 92, 148 })
        {
            var datagram = new byte[size];
            datagram[0] = type;
            Assert.False(MessageParser.TryGetType(datagram, out _));
        }
    }

    [Fact]
    public void ShortDatagramsAreRejected()
    {
        Assert.False(MessageParser.TryGetType([], out _));
        Assert.False(MessageParser.TryGetType([4], out _));
        Assert.False(MessageParser.TryGetType([4, 0, 0], out _));
        Assert.False(MessageParser.TryGetType([1, 0, 0, 0], out _));
    }

    [Fact]
    public void EachViewRejectsTheOtherTypes()
    {
        var initiation = new byte[148];
        _ = HandshakeInitiationMessage.Create(initiation);
        var response = new byte[92];
        _ = HandshakeResponseMessage.Create(response);
        var cookie = new byte[64];
        _ = CookieReplyMessage.Create(cookie);
        var transport = new byte[148]; // same length as an initiation, different type
        _ = TransportDataMessage.Create(transport);

        Assert.False(HandshakeInitiationMessage.TryRead(transport, out _));
        Assert.False(HandshakeResponseMessage.TryRead(initiation, out _));
        Assert.False(CookieReplyMessage.TryRead(response, out _));
        Assert.False(TransportDataMessage.TryRead(initiation, out _));
        Assert.True(TransportDataMessage.TryRead(transport, out _));
        Assert.True(CookieReplyMessage.TryRead(cookie, out _));
    }

    [Fact]
    public void ParsingRandomDatagramsNeverThrowsAndViewsAgreeWithTheParser()
    {
        var interestingLengths = Gen.Elements(0, 1, 3, 4, 31, 32, 33, 63, 64, 65, 91, 92, 93, 147, 148, 149, 1500);
        var gen =
            from length in Gen.OneOf(interestingLengths, Gen.Choose(0, 300))
            from body in Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), length)
            from type in Gen.Frequency((4, Gen.Choose(1, 4)), (1, Gen.Choose(0, 255)))
            from reservedZero in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
            select Shape(body, (byte)type, reservedZero);

        var property = Prop.ForAll(Arb.From(gen), datagram =>
        {
            var known = MessageParser.TryGetType(datagram, out var type);
            var expectedKnown = datagram.Length >= 4
                && datagram[1] == 0 && datagram[2] == 0 && datagram[3] == 0
                && datagram[0] switch
                {
                    1 => datagram.Length == 148,
                    2 => datagram.Length == 92,
                    3 => datagram.Length == 64,
                    4 => datagram.Length >= 32,
                    _ => false,
                };
            if (known != expectedKnown || (known && (byte)type != datagram[0]))
            {
                return false;
            }

            var initiation = HandshakeInitiationMessage.TryRead(datagram, out var i);
            var response = HandshakeResponseMessage.TryRead(datagram, out var r);
            var cookie = CookieReplyMessage.TryRead(datagram, out var c);
            var transport = TransportDataMessage.TryRead(datagram, out var t);
            return initiation == (known && type == MessageType.HandshakeInitiation)
                && response == (known && type == MessageType.HandshakeResponse)
                && cookie == (known && type == MessageType.CookieReply)
                && transport == (known && type == MessageType.TransportData)
                && (!initiation || i.Bytes.Length == HandshakeInitiationMessage.Size)
                && (!response || r.Bytes.Length == HandshakeResponseMessage.Size)
                && (!cookie || c.Bytes.Length == CookieReplyMessage.Size)
                && (!transport || t.Bytes.Length == datagram.Length);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), property);
    }

    // Puts a plausible header on random bytes so that the interesting branches are reached often.
    private static byte[] Shape(byte[] body, byte type, bool reservedZero)
    {
        if (body.Length > 0)
        {
            body[0] = type;
        }

        if (reservedZero && body.Length > 1)
        {
            body.AsSpan(1, Math.Min(body.Length - 1, 3)).Clear();
        }

        return body;
    }
}
