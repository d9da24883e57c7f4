// PolicyReject: the admin-prohibited answers parse back with the right type, code, addresses, quote
// and checksums (verified by the naive test checksum), and ICMP errors are never answered.
using System.Buffers.Binary;
using WgSharp.Router.Policy;
using WgSharp.Router.Routing;
using static WgSharp.Router.Tests.Policy.PolicyPackets;

namespace WgSharp.Router.Tests.Policy;

public class PolicyRejectTests
{
    [Fact]
    public void Ipv4AnswerIsType3Code13()
    {
        byte[] rejected = TcpPacket("192.168.2.5", "198.51.100.7", 40000, 25);
        byte[] answer = new byte[PolicyReject.MaxLength];

        Assert.True(PolicyReject.TryWrite(rejected, IpAddressKey.Parse("10.5.0.2"), answer, out int written));

        byte[] packet = answer[..written];
        Assert.Equal(0x45, packet[0]);
        Assert.Equal(written, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2)));
        Assert.Equal(Icmp, packet[9]);
        Assert.Equal(0xFFFF, TestPackets.NaiveSum(packet[..20]));
        Assert.Equal(Address("10.5.0.2"), packet[12..16]);
        Assert.Equal(Address("192.168.2.5"), packet[16..20]);
        Assert.Equal(3, packet[20]);
        Assert.Equal(13, packet[21]);
        Assert.Equal(0xFFFF, TestPackets.NaiveSum(packet[20..]));
        Assert.Equal(rejected, packet[28..]);

        PacketSummary summary = Summary(packet);
        Assert.True(summary.IsIcmp);
        Assert.Equal(3, summary.IcmpType);
        Assert.Equal(13, summary.IcmpCode);
    }

    [Fact]
    public void Ipv6AnswerIsType1Code1AndCanBeBuiltInPlace()
    {
        byte[] rejected = UdpPacket("fd00::5", "2001:db8::7", 5000, 53, new byte[40]);
        byte[] original = (byte[])rejected.Clone();
        byte[] buffer = new byte[PolicyReject.MaxLength];
        rejected.CopyTo(buffer, 0);

        Assert.True(PolicyReject.TryWrite(buffer.AsSpan(0, rejected.Length), IpAddressKey.Parse("fd00::1"), buffer, out int written));

        byte[] packet = buffer[..written];
        Assert.Equal(6, packet[0] >> 4);
        Assert.Equal(IcmpV6, packet[6]);
        Assert.Equal(Address("fd00::1"), packet[8..24]);
        Assert.Equal(Address("fd00::5"), packet[24..40]);
        Assert.Equal(1, packet[40]);
        Assert.Equal(1, packet[41]);
        Assert.True(TestPackets.NaiveVerifyTransport(packet[40..], packet[8..24], packet[24..40], IcmpV6));
        Assert.Equal(original, packet[48..]);
    }

    [Fact]
    public void ErrorsAndLaterFragmentsAreNotAnswered()
    {
        byte[] error = Ip(Icmp, "10.0.0.9", "10.0.0.2", TestPackets.Icmp(3, 1, 0, TcpPacket("10.0.0.2", "10.0.0.1", 1, 2)[..28]));
        Assert.False(PolicyReject.TryWrite(error, IpAddressKey.Parse("10.0.0.1"), new byte[PolicyReject.MaxLength], out int written));
        Assert.Equal(0, written);

        byte[] later = AsV4Fragment(UdpPacket("10.0.0.1", "10.0.0.2", 1, 2), 16, more: false);
        Assert.False(PolicyReject.TryWrite(later, IpAddressKey.Parse("10.0.0.1"), new byte[PolicyReject.MaxLength], out _));
    }

    [Fact]
    public void SourceOfTheWrongFamilyIsMisuse()
    {
        Assert.Throws<ArgumentException>(() =>
            PolicyReject.TryWrite(UdpPacket("10.0.0.1", "10.0.0.2", 1, 2), IpAddressKey.Parse("fd00::1"), new byte[PolicyReject.MaxLength], out _));
    }
}
