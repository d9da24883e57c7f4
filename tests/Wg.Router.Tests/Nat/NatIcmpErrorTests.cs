// NatEngine and ICMP errors: a real "fragmentation needed" / "packet too big" / "port unreachable" /
// "time exceeded" built for a translated packet must come out exactly as if it had been built for the
// packet the host sent (outer destination, quoted header, quoted checksums, ICMP checksum), and errors
// that relate to nothing are counted drops.
using WgSharp.Router.Nat;
using WgSharp.Router.Packets;
using static WgSharp.Router.Tests.Nat.NatEngineTests;
using static WgSharp.Router.Tests.Nat.NatTestPackets;

namespace WgSharp.Router.Tests.Nat;

public class NatIcmpErrorTests
{
    private const string Router = "203.0.113.1";
    private const string Router6 = "2001:db8:ffff::1";
    private const byte PortUnreachableV4 = 3;
    private const byte PortUnreachableV6 = 4;

    private static byte[] ErrorV4(byte[] offending, string source, byte code, ushort mtu = 0)
    {
        byte[] buffer = new byte[IcmpErrorBuilder.MaxLengthV4];
        Assert.True(IcmpErrorBuilder.TryWriteDestinationUnreachableV4(offending, Bytes(source), code, mtu, buffer, out int written));
        return buffer[..written];
    }

    private static byte[] PacketTooBigV6(byte[] offending, string source, uint mtu)
    {
        byte[] buffer = new byte[IcmpErrorBuilder.MaxLengthV6];
        Assert.True(IcmpErrorBuilder.TryWritePacketTooBigV6(offending, Bytes(source), mtu, buffer, out int written));
        return buffer[..written];
    }

    private static byte[] UnreachableV6(byte[] offending, string source, byte code)
    {
        byte[] buffer = new byte[IcmpErrorBuilder.MaxLengthV6];
        Assert.True(IcmpErrorBuilder.TryWriteDestinationUnreachableV6(offending, Bytes(source), code, buffer, out int written));
        return buffer[..written];
    }

    private static byte[] TimeExceeded(byte[] offending, string source, string destination)
    {
        byte[] s = Bytes(source);
        byte[] d = Bytes(destination);
        return s.Length == 4
            ? TestPackets.Ipv4(IpProtocol.Icmp, s, d, TestPackets.Icmp(IcmpTypes.V4.TimeExceeded, 0, 0, offending))
            : TestPackets.Ipv6(IpProtocol.IcmpV6, s, d, TestPackets.Icmp(IcmpTypes.V6.TimeExceeded, 0, 0, offending, s, d));
    }

    /// <summary>Sends <paramref name="original"/> out through the NAT and returns the translated copy.</summary>
    private static byte[] SendOut(NatEngine nat, byte[] original, string? masquerade)
    {
        byte[] sent = (byte[])original.Clone();
        Assert.False(nat.TranslateOutbound(sent, Peer, masquerade is null ? default : Key(masquerade), T0).IsDropped);
        return sent;
    }

    private static void AssertRelatedIn(NatEngine nat, byte[] error, bool establishedOnly = true)
    {
        NatResult result = nat.TranslateInbound(error, Peer, establishedOnly, T0);
        Assert.False(result.IsDropped, result.ToString());
        Assert.Equal(PacketTracking.Related, result.Tracking);
        Assert.True(result.Translated);
        Assert.True(result.IsEstablished);
    }

    [Fact]
    public void FragmentationNeededForAMasqueradedTcpPacketIsTranslatedInsideAndOut()
    {
        NatEngine nat = NewEngine();
        byte[] original = Tcp(Lan, 40000, Remote, 443, PshAck, payload: 1400);
        Out(nat, Tcp(Lan, 40000, Remote, 443, Syn));
        byte[] sent = SendOut(nat, original, Masq);
        byte[] error = ErrorV4(sent, Router, IcmpTypes.V4.CodeFragmentationNeeded, mtu: 1280);
        Assert.Equal(576, error.Length);

        AssertRelatedIn(nat, error);

        // Exactly the error the router would have sent had there been no NAT: outer destination, MTU,
        // the 548 quoted bytes of the host's own packet, every checksum.
        Assert.Equal(ErrorV4(original, Router, IcmpTypes.V4.CodeFragmentationNeeded, mtu: 1280), error);
        Assert.Equal(Lan, DestinationOf(error));
        Assert.Equal(Router, SourceOf(error));
        Assert.Equal(original[..548], error[28..]);
        AssertChecksums(error);
        Assert.True(IcmpHeader.TryParseV4(error.AsSpan(20), out IcmpHeader icmp) && icmp.TryGetMtu(out uint mtu) && mtu == 1280);
    }

    [Fact]
    public void WholeQuotedPacketKeepsAValidTransportChecksum()
    {
        NatEngine nat = NewEngine();
        byte[] original = Tcp(Lan, 40000, Remote, 443, Syn, options: [2, 4, 0x05, 0xb4]);
        byte[] sent = SendOut(nat, original, Masq);
        byte[] error = ErrorV4(sent, Router, IcmpTypes.V4.CodeFragmentationNeeded, mtu: 576);

        AssertRelatedIn(nat, error);

        Assert.Equal(original, error[28..]);
        AssertChecksums(error); // includes the quoted TCP checksum, recomputed over the whole quote
        Assert.Equal(ErrorV4(original, Router, IcmpTypes.V4.CodeFragmentationNeeded, mtu: 576), error);
    }

    [Fact]
    public void PacketTooBigForAMasqueradedIpv6TcpPacket()
    {
        NatEngine nat = NewEngine();
        byte[] original = Tcp(Lan6, 40000, Remote6, 443, PshAck, payload: 1400);
        byte[] sent = SendOut(nat, original, Masq6);
        byte[] error = PacketTooBigV6(sent, Router6, 1280);
        Assert.Equal(1280, error.Length);

        AssertRelatedIn(nat, error);

        Assert.Equal(PacketTooBigV6(original, Router6, 1280), error);
        Assert.Equal(Lan6, DestinationOf(error));
        AssertChecksums(error);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PortUnreachableFromTheDestinationItself(bool v6)
    {
        NatEngine nat = NewEngine();
        byte[] original = v6 ? Udp(Lan6, 5353, Remote6, 53) : Udp(Lan, 5353, Remote, 53);
        byte[] sent = SendOut(nat, original, v6 ? Masq6 : Masq);
        byte[] error = v6 ? UnreachableV6(sent, Remote6, PortUnreachableV6) : ErrorV4(sent, Remote, PortUnreachableV4);

        AssertRelatedIn(nat, error);

        Assert.Equal(v6 ? UnreachableV6(original, Remote6, PortUnreachableV6) : ErrorV4(original, Remote, PortUnreachableV4), error);
        AssertChecksums(error);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TimeExceededForAMasqueradedEchoRequest(bool v6)
    {
        NatEngine nat = NewEngine();
        byte[] original = v6 ? Echo(Lan6, Remote6, 0x1234) : Echo(Lan, Remote, 0x1234);
        // Another host took identifier 0x1234 first, so this one is moved: the quote must be moved back.
        SendOut(nat, v6 ? Echo(Lan6b, Remote6, 0x1234) : Echo(Lan2, Remote, 0x1234), v6 ? Masq6 : Masq);
        byte[] sent = SendOut(nat, original, v6 ? Masq6 : Masq);
        Assert.NotEqual(0x1234, TupleOf(sent).SourcePort);
        string router = v6 ? Router6 : Router;
        byte[] error = TimeExceeded(sent, router, v6 ? Masq6 : Masq);

        AssertRelatedIn(nat, error);

        Assert.Equal(TimeExceeded(original, router, v6 ? Lan6 : Lan), error);
        AssertChecksums(error);
    }

    [Fact]
    public void ErrorsFromAForwardTargetGoBackWithTheForwardsAddress()
    {
        NatEngine nat = NewEngine();
        const string Client = "198.51.100.99";
        const string LanRouter = "192.168.2.1";
        nat.SetPortForwards([new PortForward(IpProtocol.Udp, Key(Masq), 5060, Key(Lan), 5062)]);
        byte[] original = Udp(Client, 40000, Masq, 5060);
        byte[] forwarded = (byte[])original.Clone();
        Assert.False(nat.TranslateInbound(forwarded, Peer, establishedOnly: false, T0).IsDropped);
        Assert.Equal(Lan, DestinationOf(forwarded));

        // From the target itself: the outer source is the target's, so it becomes the forward's address.
        byte[] error = ErrorV4(forwarded, Lan, PortUnreachableV4);
        NatResult result = nat.TranslateOutbound(error, Peer, default, T0);
        Assert.Equal(PacketTracking.Related, result.Tracking);
        Assert.True(result.Translated);
        Assert.Equal(ErrorV4(original, Masq, PortUnreachableV4), error);

        // From a router on the way: its own address stays, the quote is still translated back.
        byte[] routed = ErrorV4(forwarded, LanRouter, 1);
        nat.TranslateOutbound(routed, Peer, default, T0);
        Assert.Equal(ErrorV4(original, LanRouter, 1), routed);
        AssertChecksums(routed);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnErrorFromTheLanHostAboutAnUnNatedReplyIsMasqueraded(bool v6)
    {
        // The host's port closed after its query: its "port unreachable" about the answer must leave
        // from the masquerade address and quote the answer as it arrived.
        NatEngine nat = NewEngine();
        (string lan, string masq, string remote) = v6 ? (Lan6, Masq6, Remote6) : (Lan, Masq, Remote);
        SendOut(nat, Udp(lan, 5353, remote, 53), masq);
        byte[] answer = Udp(remote, 53, masq, 5353);
        byte[] delivered = (byte[])answer.Clone();
        Assert.False(nat.TranslateInbound(delivered, Peer, true, T0).IsDropped);

        byte[] error = v6 ? UnreachableV6(delivered, lan, PortUnreachableV6) : ErrorV4(delivered, lan, PortUnreachableV4);
        NatResult result = nat.TranslateOutbound(error, Peer, Key(masq), T0);
        Assert.Equal(PacketTracking.Related, result.Tracking);
        Assert.True(result.Translated);
        Assert.Equal(v6 ? UnreachableV6(answer, masq, PortUnreachableV6) : ErrorV4(answer, masq, PortUnreachableV4), error);
        AssertChecksums(error);
    }

    [Fact]
    public void ErrorsAboutUntranslatedFlowsPassUnchanged()
    {
        NatEngine nat = NewEngine();
        byte[] sent = Udp(Lan, 5353, Remote, 53);
        Assert.False(nat.TranslateOutbound(sent, Peer, default, T0).IsDropped);
        byte[] error = ErrorV4(sent, Router, 1);
        byte[] copy = (byte[])error.Clone();
        NatResult result = nat.TranslateInbound(error, Peer, establishedOnly: true, T0);
        Assert.Equal(PacketTracking.Related, result.Tracking);
        Assert.False(result.Translated);
        Assert.True(result.IsEstablished);
        Assert.Equal(copy, error);
    }

    [Fact]
    public void ErrorsRelatingToNothingOrAnotherPeerAreDropped()
    {
        NatEngine nat = NewEngine();
        byte[] sent = SendOut(nat, Udp(Lan, 5353, Remote, 53), Masq);
        byte[] unknown = ErrorV4(Udp(Masq, 6000, Remote, 53), Router, 1);
        Assert.Equal(NatDrop.IcmpWithoutFlow, nat.TranslateInbound(unknown, Peer, false, T0).DropReason);
        Assert.Equal(NatDrop.NotEstablished, nat.TranslateInbound(unknown, Peer, true, T0).DropReason);
        byte[] known = ErrorV4(sent, Router, 1);
        Assert.Equal(NatDrop.NotEstablished, nat.TranslateInbound((byte[])known.Clone(), Peer + 1, true, T0).DropReason);
        // With establishedOnly off, an error from another peer about the flow is let in (and translated).
        NatResult other = nat.TranslateInbound((byte[])known.Clone(), Peer + 1, false, T0);
        Assert.True(other.Translated);
        Assert.False(other.IsEstablished);
        Assert.Equal(1, nat.Counters[NatDrop.IcmpWithoutFlow]);
        Assert.Equal(2, nat.Counters[NatDrop.NotEstablished]);
    }

    [Fact]
    public void ErrorsDoNotKeepAFlowAlive()
    {
        NatEngine nat = NewEngine();
        byte[] sent = SendOut(nat, Udp(Lan, 5353, Remote, 53), Masq);
        Assert.False(nat.TranslateInbound(ErrorV4(sent, Router, 1), Peer, true, T0 + TimeSpan.FromSeconds(25)).IsDropped);
        Assert.Equal(NatDrop.NotEstablished,
            nat.TranslateInbound(Udp(Remote, 53, Masq, 5353), Peer, true, T0 + TimeSpan.FromSeconds(31)).DropReason);
    }

    [Fact]
    public void ErrorsWithUnusableQuotesAreMalformed()
    {
        NatEngine nat = NewEngine();
        byte[] sent = SendOut(nat, Udp(Lan, 5353, Remote, 53), Masq);
        // Only the quoted IP header and 2 bytes of UDP: no destination port.
        byte[] shortQuote = TestPackets.Ipv4(IpProtocol.Icmp, Bytes(Router), Bytes(Masq), TestPackets.Icmp(3, 1, 0, sent[..22]));
        Assert.Equal(NatDrop.Malformed, nat.TranslateInbound(shortQuote, Peer, false, T0).DropReason);
        // An IPv6 quote inside ICMPv4.
        byte[] v6Quote = TestPackets.Ipv4(IpProtocol.Icmp, Bytes(Router), Bytes(Masq), TestPackets.Icmp(3, 1, 0, Udp(Lan6, 1, Remote6, 2)));
        Assert.Equal(NatDrop.Malformed, nat.TranslateInbound(v6Quote, Peer, false, T0).DropReason);
        // An error quoting an error.
        byte[] nested = TestPackets.Ipv4(IpProtocol.Icmp, Bytes(Router), Bytes(Masq), TestPackets.Icmp(3, 1, 0, ErrorV4(sent, Router, 1)));
        Assert.Equal(NatDrop.Malformed, nat.TranslateInbound(nested, Peer, false, T0).DropReason);
        Assert.Equal(3, nat.Counters[NatDrop.Malformed]);
    }

    public static TheoryData<bool, bool> FamiliesAndNat => new()
    {
        { false, false },
        { false, true },
        { true, false },
        { true, true },
    };

    [Theory]
    [MemberData(nameof(FamiliesAndNat))]
    public void ErrorsNotAddressedToTheQuotedPacketsSenderAreDropped(bool v6, bool masquerade)
    {
        // A peer quotes a real packet of a flow that went out to it, but addresses the error (and whatever
        // bytes trail it) to another host on this side: no flow ever involved that host.
        NatEngine nat = NewEngine();
        (string lan, string other, string masq, string remote) = v6 ? (Lan6, Lan6b, Masq6, Remote6) : (Lan, Lan2, Masq, Remote);
        byte[] sent = SendOut(nat, Udp(lan, 5353, remote, 53), masquerade ? masq : null);
        string sender = masquerade ? masq : lan;
        Assert.Equal(sender, SourceOf(sent));
        string router = v6 ? Router6 : Router;
        foreach (bool establishedOnly in new[] { true, false })
        {
            foreach (string target in new[] { other, remote, masquerade ? lan : masq })
            {
                byte[] misdirected = TimeExceeded(sent, router, target);
                byte[] copy = (byte[])misdirected.Clone();
                NatResult result = nat.TranslateInbound(misdirected, Peer, establishedOnly, T0);
                Assert.True(result.IsDropped, $"{target}: {result}");
                Assert.Equal(NatDrop.IcmpErrorMisdirected, result.DropReason);
                Assert.Equal(copy, misdirected);
            }
        }

        Assert.Equal(6, nat.Counters[NatDrop.IcmpErrorMisdirected]);
        // Addressed to the sender as the flow knows it, the same error passes.
        byte[] error = TimeExceeded(sent, router, sender);
        NatResult passed = nat.TranslateInbound(error, Peer, establishedOnly: true, T0);
        Assert.Equal(PacketTracking.Related, passed.Tracking);
        Assert.True(passed.IsEstablished);
        Assert.Equal(lan, DestinationOf(error));
    }

    [Theory]
    [MemberData(nameof(FamiliesAndNat))]
    public void ErrorsAboutARelayedFlowMustGoToTheRelayedPacketsSender(bool v6, bool masquerade)
    {
        // Peer 2's host opened a flow that this router relayed to peer 1 (Peer); errors from peer 1 about it
        // are relayed back, so a misaddressed one would reach any address behind peer 2 (or any other peer).
        const int From = 2;
        NatEngine nat = NewEngine();
        (string host, string otherHost, string masq, string remote) = v6
            ? ("fd00:7::2", "fd00:7::3", Masq6, Remote6)
            : ("10.7.0.2", "10.7.0.3", Masq, Remote);
        byte[] relayed = Udp(host, 4000, remote, 53);
        Assert.False(nat.TranslateOutbound(relayed, Peer, masquerade ? Key(masq) : default, T0, FlowOrigin.Relayed, From).IsDropped);
        string sender = masquerade ? masq : host;
        string router = v6 ? Router6 : Router;

        byte[] misdirected = TimeExceeded(relayed, router, otherHost);
        Assert.Equal(NatDrop.IcmpErrorMisdirected, nat.TranslateInbound(misdirected, Peer, establishedOnly: true, T0, deferOpen: true).DropReason);
        byte[] fromElsewhere = TimeExceeded(relayed, router, otherHost);
        Assert.Equal(NatDrop.IcmpErrorMisdirected, nat.TranslateInbound(fromElsewhere, From, establishedOnly: false, T0, deferOpen: true).DropReason);

        byte[] error = TimeExceeded(relayed, router, sender);
        NatResult result = nat.TranslateInbound(error, Peer, establishedOnly: true, T0, deferOpen: true);
        Assert.False(result.IsDropped, result.ToString());
        Assert.Equal(PacketTracking.Related, result.Tracking);
        Assert.Equal(FlowOrigin.Relayed, result.Origin);
        Assert.Equal(host, DestinationOf(error));
        AssertChecksums(error);
    }

    [Fact]
    public void ErrorsFromTheLocalSideMustGoToTheSenderToo()
    {
        // The local side answers a forwarded packet: to the client that sent it, never to a third address.
        NatEngine nat = NewEngine();
        nat.SetPortForwards([new PortForward(IpProtocol.Udp, Key(Masq), 5060, Key(Lan), 5062)]);
        byte[] forwarded = Udp("198.51.100.99", 40000, Masq, 5060);
        Assert.False(nat.TranslateInbound(forwarded, Peer, establishedOnly: false, T0).IsDropped);
        byte[] misdirected = ErrorV4(forwarded, Lan, PortUnreachableV4);
        // Readdress the outer header to another remote host (the header checksum is not what is checked here).
        Bytes("198.51.100.100").CopyTo(misdirected, 16);
        Assert.Equal(NatDrop.IcmpErrorMisdirected, nat.TranslateOutbound(misdirected, Peer, default, T0).DropReason);
    }

    [Theory]
    [InlineData(IcmpTypes.V4.Redirect)]
    [InlineData(IcmpTypes.V4.SourceQuench)]
    public void RedirectsAndSourceQuenchFromAnEstablishedOnlyPeerAreDropped(byte type)
    {
        NatEngine nat = NewEngine();
        byte[] sent = SendOut(nat, Udp(Lan, 5353, Remote, 53), Masq);
        byte[] message = TestPackets.Ipv4(IpProtocol.Icmp, Bytes(Router), Bytes(Masq), TestPackets.Icmp(type, 1, 0x0A000001, sent));
        Assert.Equal(NatDrop.NotEstablished, nat.TranslateInbound((byte[])message.Clone(), Peer, establishedOnly: true, T0).DropReason);
        // From a peer trusted to open connections it is an error about the flow like any other.
        NatResult trusted = nat.TranslateInbound(message, Peer, establishedOnly: false, T0);
        Assert.Equal(PacketTracking.Related, trusted.Tracking);
        Assert.Equal(Lan, DestinationOf(message));
    }

    [Fact]
    public void Ipv6RedirectsFromAnEstablishedOnlyPeerAreDropped()
    {
        // RFC 4861 8: a redirect is neighbor discovery (type 137), not an error; it relates to no flow.
        NatEngine nat = NewEngine();
        byte[] sent = SendOut(nat, Udp(Lan6, 5353, Remote6, 53), Masq6);
        byte[] s = Bytes(Router6);
        byte[] d = Bytes(Masq6);
        // Target, destination, and a Redirected Header option (type 4, 6 × 8 bytes) holding the quoted packet's start.
        byte[] body = [.. Bytes(Router6), .. Bytes(Remote6), 4, 6, 0, 0, 0, 0, 0, 0, .. sent[..40]];
        byte[] redirect = TestPackets.Ipv6(IpProtocol.IcmpV6, s, d, TestPackets.Icmp(137, 0, 0, body, s, d));
        Assert.Equal(NatDrop.NotEstablished, nat.TranslateInbound(redirect, Peer, establishedOnly: true, T0).DropReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnEstablishedOnlyPeerCannotQuoteItsOwnDirection(bool masquerade)
    {
        // The quote must be a packet that went out to the peer: quoting the peer's own reply (the other
        // direction of the flow) relates to the flow in Linux's eyes, but not as an error about this side.
        NatEngine nat = NewEngine();
        SendOut(nat, Udp(Lan, 5353, Remote, 53), masquerade ? Masq : null);
        string sender = masquerade ? Masq : Lan;
        byte[] reply = Udp(Remote, 53, sender, 5353);
        byte[] error = ErrorV4(reply, Remote, PortUnreachableV4);
        Bytes(sender).CopyTo(error, 16);
        Assert.Equal(NatDrop.NotEstablished, nat.TranslateInbound(error, Peer, establishedOnly: true, T0).DropReason);
    }
}
