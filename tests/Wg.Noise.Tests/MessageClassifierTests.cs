// Tests of MessageClassifier: the type byte decides the kind, short datagrams and unknown types are Unknown,
// and the sizes a device relies on are the whitepaper's.
using WgSharp.Noise.Messages;

namespace WgSharp.Noise.Tests;

public class MessageClassifierTests
{
    [Theory]
    [InlineData(1, MessageKind.HandshakeInitiation)]
    [InlineData(2, MessageKind.HandshakeResponse)]
    [InlineData(3, MessageKind.CookieReply)]
    [InlineData(4, MessageKind.TransportData)]
    [InlineData(0, MessageKind.Unknown)]
    [InlineData(5, MessageKind.Unknown)]
    [InlineData(255, MessageKind.Unknown)]
    public void TheFirstByteDecidesTheKind(byte type, MessageKind expected)
    {
        var datagram = new byte[40];
        datagram[0] = type;
        Assert.Equal(expected, MessageClassifier.Classify(datagram));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void DatagramsShorterThanTheTypeFieldAreUnknown(int length)
    {
        var datagram = new byte[length];
        if (length > 0)
        {
            datagram[0] = 4;
        }

        Assert.Equal(MessageKind.Unknown, MessageClassifier.Classify(datagram));
    }

    [Fact]
    public void HandshakeKindsGoToTheHandshakePath()
    {
        Assert.True(MessageClassifier.IsHandshake(MessageKind.HandshakeInitiation));
        Assert.True(MessageClassifier.IsHandshake(MessageKind.HandshakeResponse));
        Assert.True(MessageClassifier.IsHandshake(MessageKind.CookieReply));
        Assert.False(MessageClassifier.IsHandshake(MessageKind.TransportData));
        Assert.False(MessageClassifier.IsHandshake(MessageKind.Unknown));
    }

    [Fact]
    public void SizesAreTheWhitepapers()
    {
        Assert.Equal(148, MessageClassifier.MaxHandshakeSize);
        Assert.Equal(32, MessageClassifier.KeepaliveSize);
        Assert.Equal(16, Tunnel.TransportHeadRoom);
    }

    [Fact]
    public void OnlyAnEmptyTransportMessageIsAKeepalive()
    {
        var keepalive = new byte[32];
        keepalive[0] = 4;
        Assert.True(MessageClassifier.IsKeepalive(keepalive));
        Assert.False(MessageClassifier.IsKeepalive(Keepalive(48)));
        var initiation = new byte[32];
        initiation[0] = 1;
        Assert.False(MessageClassifier.IsKeepalive(initiation));
    }

    private static byte[] Keepalive(int length)
    {
        var datagram = new byte[length];
        datagram[0] = 4;
        return datagram;
    }
}
