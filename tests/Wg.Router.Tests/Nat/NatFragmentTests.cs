// Fragments through the NAT: later fragments follow their first's translation (in order, out of order,
// both directions, IPv4 and IPv6), and every refusal (tiny, overlap, timeout, shares, full table) is counted.
using WgSharp.Router.Nat;
using WgSharp.Router.Packets;
using WgSharp.Router.Policy;
using static WgSharp.Router.Tests.Nat.NatEngineTests;
using static WgSharp.Router.Tests.Nat.NatTestPackets;

namespace WgSharp.Router.Tests.Nat;

public sealed class NatFragmentTests
{
    private const int Piece = 1400;

    public static TheoryData<string, string, string> Families => NatEngineTests.Families;

    [Theory]
    [MemberData(nameof(Families))]
    public void InOrderFragmentsFollowTheMasqueradeOfTheFirstBothWays(string lan, string masq, string remote)
    {
        NatEngine nat = NewEngine();
        byte[] request = Udp(lan, 5353, remote, 53, payload: 4000);
        List<byte[]> fragments = Fragments(request, Piece);
        Assert.Equal(3, fragments.Count);
        foreach (byte[] fragment in fragments)
        {
            NatResult result = Out(nat, fragment, masq);
            Assert.False(result.IsDropped, result.ToString());
            Assert.True(result.Translated);
        }
        byte[] sent = Reassemble(fragments);
        Assert.Equal(masq, SourceOf(sent));
        Assert.Equal(remote, DestinationOf(sent));
        Assert.Equal(5353, SourcePortOf(sent));
        AssertChecksums(sent);
        Assert.Equal(request.AsSpan(request.Length - 4000).ToArray(), sent[^4000..]);
        // A completed datagram frees its train.
        Assert.Equal(0, nat.Fragments.Count);

        byte[] answer = Udp(remote, 53, masq, 5353, payload: 4000);
        List<byte[]> replies = Fragments(answer, Piece, id: 77);
        foreach (byte[] fragment in replies)
        {
            NatResult result = In(nat, fragment);
            Assert.False(result.IsDropped, result.ToString());
            Assert.True(result.IsEstablished);
            Assert.Equal(PacketTracking.Reply, result.Tracking);
        }
        byte[] received = Reassemble(replies);
        Assert.Equal(lan, DestinationOf(received));
        Assert.Equal(5353, DestinationPortOf(received));
        AssertChecksums(received);
        Assert.Equal(0, nat.Fragments.Count);
        Assert.Empty(nat.Counters.NonZero());
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void FragmentsBeforeTheFirstAreHeldAndReleasedTranslated(string lan, string masq, string remote)
    {
        NatEngine nat = NewEngine();
        byte[] request = Udp(lan, 5353, remote, 53, payload: 4000);
        List<byte[]> fragments = Fragments(request, Piece);
        // Last, middle, first.
        Assert.True(Out(nat, fragments[2], masq).IsHeld);
        Assert.True(Out(nat, fragments[1], masq).IsHeld);
        Assert.Equal(2, nat.Fragments.HeldCount);
        NatResult first = Out(nat, fragments[0], masq);
        Assert.False(first.IsDropped, first.ToString());
        Assert.Equal(2, first.Released.Count);
        List<byte[]> sent = [fragments[0]];
        byte[] buffer = new byte[4096];
        while (nat.TryTakeReleased(first, buffer, out int length))
        {
            sent.Add(buffer[..length]);
        }
        Assert.Equal(3, sent.Count);
        byte[] whole = Reassemble(sent);
        Assert.Equal(masq, SourceOf(whole));
        AssertChecksums(whole);
        Assert.Equal(0, nat.Fragments.HeldCount);
        Assert.Equal(0, nat.Fragments.Count);
        Assert.False(nat.TryTakeReleased(first, buffer, out _));
        Assert.Empty(nat.Counters.NonZero());
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void LastBeforeFirstInboundIsUnNatedOnRelease(string lan, string masq, string remote)
    {
        NatEngine nat = NewEngine();
        Assert.False(Out(nat, Udp(lan, 5353, remote, 53), masq).IsDropped);
        List<byte[]> replies = Fragments(Udp(remote, 53, masq, 5353, payload: 2000), Piece, id: 9);
        Assert.Equal(2, replies.Count);
        Assert.True(In(nat, replies[1]).IsHeld);
        NatResult first = In(nat, replies[0]);
        Assert.True(first.IsEstablished);
        byte[] buffer = new byte[4096];
        Assert.True(nat.TryTakeReleased(first, buffer, out int length));
        byte[] whole = Reassemble([replies[0], buffer[..length]]);
        Assert.Equal(lan, DestinationOf(whole));
        AssertChecksums(whole);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void OverlappingFragmentsRefuseTheDatagramAndDuplicatesGoAlone(string lan, string masq, string remote)
    {
        NatEngine nat = NewEngine();
        byte[] request = Udp(lan, 5353, remote, 53, payload: 4000);
        List<byte[]> fragments = Fragments(request, Piece);
        Assert.False(Out(nat, Copy(fragments[0]), masq).IsDropped);
        Assert.True(Out(nat, Copy(fragments[0]), masq).IsDropped);
        Assert.Equal(1, nat.Counters[NatDrop.FragmentOverlap]);
        Assert.False(Out(nat, Copy(fragments[1]), masq).IsDropped);

        // A piece reaching 8 bytes back into the second fragment (RFC 5722): the whole datagram goes.
        List<byte[]> shifted = Fragments(request, Piece - 8);
        byte[] overlapping = shifted[2];
        Assert.True(Out(nat, overlapping, masq).IsDropped);
        NatResult last = Out(nat, fragments[2], masq);
        Assert.True(last.IsDropped);
        Assert.Equal(NatDrop.FragmentOverlap, last.DropReason);
        Assert.Equal(3, nat.Counters[NatDrop.FragmentOverlap]);
    }

    private static byte[] Copy(byte[] packet) => (byte[])packet.Clone();

    [Fact]
    public void TinyFragmentsAreRefused()
    {
        NatEngine nat = NewEngine();
        // A first fragment with only 8 bytes of a 20-byte TCP header (RFC 1858 3.1).
        byte[] segment = TestPackets.Tcp(Bytes(Lan), Bytes(Remote), 40000, 443, Syn, [], new byte[64]);
        byte[] tinyFirst = TestPackets.Ipv4(IpProtocol.Tcp, Bytes(Lan), Bytes(Remote), segment[..8], flagsAndOffset: 0x2000);
        Assert.Equal(NatDrop.FragmentTiny, Out(nat, tinyFirst).DropReason);
        // A TCP fragment at offset 8 could rewrite the flags (RFC 1858 3.2).
        byte[] offsetOne = TestPackets.Ipv4(IpProtocol.Tcp, Bytes(Lan), Bytes(Remote), segment[8..24], flagsAndOffset: 0x2000 | 1);
        Assert.Equal(NatDrop.FragmentTiny, Out(nat, offsetOne).DropReason);
        byte[] tcpHead6 = TestPackets.Ipv6(IpProtocol.Fragment, Bytes(Lan6), Bytes(Remote6), [IpProtocol.Tcp, 0, 0, 1, 0, 0, 0, 5, .. segment[..16]]);
        Assert.Equal(NatDrop.FragmentTiny, Out(nat, tcpHead6, Masq6).DropReason);
        Assert.Equal(3, nat.Counters[NatDrop.FragmentTiny]);
        Assert.Equal(0, nat.Tracker.Count);
    }

    [Fact]
    public void MalformedFragmentFieldsAreRefused()
    {
        NatEngine nat = NewEngine();
        // Not a multiple of 8 with More Fragments set; and past 65,535 bytes (the "ping of death").
        byte[] odd = TestPackets.Ipv4(IpProtocol.Udp, Bytes(Lan), Bytes(Remote), new byte[13], flagsAndOffset: 0x2000 | 10);
        Assert.Equal(NatDrop.Malformed, Out(nat, odd).DropReason);
        byte[] beyond = TestPackets.Ipv4(IpProtocol.Udp, Bytes(Lan), Bytes(Remote), new byte[64], flagsAndOffset: 0x1FFF);
        Assert.Equal(NatDrop.Malformed, Out(nat, beyond).DropReason);
    }

    [Fact]
    public void AtomicFragmentIsAWholePacket()
    {
        NatEngine nat = NewEngine();
        byte[] udp6 = TestPackets.Udp(Bytes(Lan6), Bytes(Remote6), 5353, 53, new byte[8]);
        byte[] atomic = TestPackets.Ipv6(IpProtocol.Fragment, Bytes(Lan6), Bytes(Remote6), [IpProtocol.Udp, 0, 0, 0, 0, 0, 0, 1, .. udp6]);
        NatResult result = Out(nat, atomic, Masq6);
        Assert.Equal(PacketTracking.New, result.Tracking);
        AssertChecksums(atomic);
        Assert.Equal(0, nat.Fragments.Count);
    }

    [Fact]
    public void TrainsTimeOutAndHeldFragmentsCountAsExpired()
    {
        NatEngine nat = NewEngine();
        List<byte[]> fragments = Fragments(Udp(Lan, 5353, Remote, 53, payload: 4000), Piece);
        Assert.True(Out(nat, fragments[2]).IsHeld);
        TimeSpan later = T0 + FragmentOptions.DefaultTimeout + TimeSpan.FromSeconds(1);
        // The first comes too late: the held fragment expired, and the first starts a new train.
        NatResult first = Out(nat, fragments[0], now: later);
        Assert.False(first.IsDropped);
        Assert.Equal(0, first.Released.Count);
        Assert.Equal(1, nat.Counters[NatDrop.FragmentExpired]);
        Assert.Equal(0, nat.Fragments.HeldCount);

        // A train that saw its first fragment ends too: a fragment after its timeout waits for a first of its own.
        NatResult middle = Out(nat, fragments[1], now: later + FragmentOptions.DefaultTimeout + TimeSpan.FromSeconds(1));
        Assert.True(middle.IsHeld);
    }

    [Fact]
    public void APeerFloodingUnfinishedTrainsStaysInItsShare()
    {
        var options = new NatOptions { Fragments = new FragmentOptions { Capacity = 16, PerOwnerLimit = 4, HeldCapacity = 16, HeldPerOwner = 4 } };
        NatEngine nat = NewEngine(options: options);
        // Peer 1 sends only second fragments of datagrams it never completes.
        for (uint id = 0; id < 200; id++)
        {
            byte[] second = Fragments(Udp(Remote, 53, Masq, 5353, payload: 2000), Piece, id)[1];
            NatResult result = nat.TranslateInbound(second, 1, establishedOnly: false, T0);
            Assert.True(result.IsHeld || result.IsDropped);
            Assert.True(nat.Fragments.TrainsOf(1) <= 4);
            Assert.True(nat.Fragments.HeldCount <= 4);
        }
        // Peer 2's datagram, out of order, passes whole.
        Assert.False(nat.TranslateOutbound(Udp(Lan, 5353, "10.9.9.9", 53), 2, default, T0).IsDropped);
        List<byte[]> answer = Fragments(Udp("10.9.9.9", 53, Lan, 5353, payload: 2000), Piece, id: 5);
        Assert.True(nat.TranslateInbound(answer[1], 2, establishedOnly: true, T0).IsHeld);
        NatResult first = nat.TranslateInbound(answer[0], 2, establishedOnly: true, T0);
        Assert.False(first.IsDropped);
        Assert.Equal(1, first.Released.Count);
    }

    [Fact]
    public void AFullTableRefusesNewTrainsButKeepsThoseUnderWay()
    {
        var options = new NatOptions { Fragments = new FragmentOptions { Capacity = 4, PerOwnerLimit = 4 } };
        NatEngine nat = NewEngine(options: options);
        List<byte[]>[] datagrams = new List<byte[]>[5];
        for (int i = 0; i < 5; i++)
        {
            datagrams[i] = Fragments(Udp(Lan, (ushort)(6000 + i), Remote, 53, payload: 4000), Piece, (uint)i);
        }
        for (int i = 0; i < 4; i++)
        {
            Assert.False(Out(nat, datagrams[i][0]).IsDropped);
        }
        Assert.Equal(4, nat.Fragments.Count);
        NatResult refused = Out(nat, datagrams[4][0]);
        Assert.Equal(NatDrop.FragmentTableFull, refused.DropReason);
        for (int i = 0; i < 4; i++)
        {
            Assert.False(Out(nat, datagrams[i][1]).IsDropped);
            Assert.False(Out(nat, datagrams[i][2]).IsDropped);
        }
        Assert.Equal(0, nat.Fragments.Count);
        Assert.False(Out(nat, datagrams[4][0]).IsDropped);
    }

    [Fact]
    public void LaterFragmentsOfADroppedFirstAreDropped()
    {
        NatEngine nat = NewEngine();
        // A TCP segment without a flow that cannot open one (a SYN-ACK) is refused; its other fragments follow.
        byte[] segment = Tcp(Remote, 443, Masq, 40000, SynAck, payload: 3000);
        List<byte[]> fragments = Fragments(segment, Piece);
        Assert.Equal(NatDrop.TcpWithoutFlow, In(nat, fragments[0], establishedOnly: false).DropReason);
        Assert.Equal(NatDrop.FragmentOfDropped, In(nat, fragments[1], establishedOnly: false).DropReason);
        Assert.Equal(1, nat.Counters[NatDrop.TcpWithoutFlow]);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void RulesSeeLaterFragmentsAsTheirFirstsFlow(string lan, string masq, string remote)
    {
        NatEngine nat = NewEngine();
        List<byte[]> fragments = Fragments(Udp(lan, 5353, remote, 53, payload: 3000), Piece);
        Assert.Equal(PolicyStates.New, nat.Classify(fragments[1], T0, out _));
        Assert.False(nat.TranslateOutbound(fragments[0], 3, Key(masq), T0).IsDropped);
        Assert.Equal(PolicyStates.Established, nat.Classify(fragments[1], T0, out int flowPeer));
        Assert.Equal(3, flowPeer);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void IcmpErrorQuotingAFirstFragmentIsUnNated(string lan, string masq, string remote)
    {
        NatEngine nat = NewEngine();
        List<byte[]> fragments = Fragments(Udp(lan, 5353, remote, 53, payload: 3000), Piece);
        Assert.False(Out(nat, fragments[0], masq).IsDropped);
        bool v4 = fragments[0][0] >> 4 == 4;
        byte[] quote = fragments[0][..(v4 ? 28 + 64 : 48 + 64)];
        byte[] error = v4
            ? TestPackets.Ipv4(IpProtocol.Icmp, Bytes(remote), Bytes(masq), TestPackets.Icmp(IcmpTypes.V4.TimeExceeded, 1, 0, quote))
            : TestPackets.Ipv6(IpProtocol.IcmpV6, Bytes(remote), Bytes(masq), TestPackets.Icmp(IcmpTypes.V6.TimeExceeded, 1, 0, quote, Bytes(remote), Bytes(masq)));
        NatResult result = In(nat, error);
        Assert.Equal(PacketTracking.Related, result.Tracking);
        Assert.True(result.Translated);
        Assert.Equal(lan, DestinationOf(error));
        AssertChecksums(error);
        int quotedSource = (v4 ? 28 : 48) + (v4 ? 12 : 8);
        Assert.Equal(Bytes(lan), error[quotedSource..(quotedSource + (v4 ? 4 : 16))]);
    }

    [Fact]
    public void RelayedDatagramsLeaveLaterFragmentsToTheOutboundPass()
    {
        NatEngine nat = NewEngine();
        List<byte[]> fragments = Fragments(Udp("10.8.0.2", 5353, "10.9.0.2", 53, payload: 3000), Piece);
        // From peer 1, relayed to peer 2: the first is pending at the inbound pass, then opened as relayed.
        Assert.Equal(PacketTracking.Pending, nat.TranslateInbound(fragments[0], 1, false, T0, deferOpen: true).Tracking);
        Assert.False(nat.TranslateOutbound(fragments[0], 2, default, T0, FlowOrigin.Relayed, 1).IsDropped);
        NatResult second = nat.TranslateInbound(fragments[1], 1, false, T0, deferOpen: true);
        Assert.Equal(PacketTracking.Pending, second.Tracking);
        Assert.Equal(2, second.FlowPeer);
        Assert.False(nat.TranslateOutbound(fragments[1], 2, default, T0, FlowOrigin.Relayed, 1).IsDropped);
        Assert.False(nat.TranslateOutbound(fragments[2], 2, default, T0, FlowOrigin.Relayed, 1).IsDropped);
        Assert.Equal(0, nat.Fragments.Count);
    }

    [Fact]
    public void FollowingAndHoldingAllocateNothingPerFragment()
    {
        NatEngine nat = NewEngine();
        var datagrams = new List<byte[]>[64];
        for (int i = 0; i < datagrams.Length; i++)
        {
            datagrams[i] = Fragments(Udp(Lan, (ushort)(7000 + i), Remote, 53, payload: 4000), Piece, (uint)i);
        }
        byte[] buffer = new byte[4096];
        // Warm up: every path once (the owner tables get their entry).
        Run(datagrams[0]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 1; i < datagrams.Length; i++)
        {
            Run(datagrams[i]);
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.Equal(0, nat.Fragments.Count);

        void Run(List<byte[]> fragments)
        {
            NatResult held = nat.TranslateOutbound(fragments[2], Peer, Key(Masq), T0);
            NatResult first = nat.TranslateOutbound(fragments[0], Peer, Key(Masq), T0);
            while (nat.TryTakeReleased(first, buffer, out _))
            {
            }
            NatResult middle = nat.TranslateOutbound(fragments[1], Peer, Key(Masq), T0);
            Assert.True(held.IsHeld && !first.IsDropped && !middle.IsDropped);
        }
    }

    [Fact]
    public void RemovingAPeerRemovesItsTrains()
    {
        NatEngine nat = NewEngine();
        Assert.True(In(nat, Fragments(Udp(Remote, 53, Masq, 5353, payload: 3000), Piece)[1], establishedOnly: false, peer: 4).IsHeld);
        Assert.Equal(1, nat.Fragments.TrainsOf(4));
        nat.RemovePeer(4);
        Assert.Equal(0, nat.Fragments.TrainsOf(4));
        Assert.Equal(0, nat.Fragments.HeldCount);
    }
}
