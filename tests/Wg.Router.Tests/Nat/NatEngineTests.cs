// NatEngine: masquerade round trips (out, reply back) for TCP/UDP/ICMP echo over IPv4 and IPv6 compared
// byte for byte with packets built directly with the translated addresses, port and identifier
// collisions, port forwards with their replies, `Inbound = established`, and every counted drop.
using System.Buffers.Binary;
using WgSharp.Router.Nat;
using WgSharp.Router.Packets;
using static WgSharp.Router.Tests.Nat.NatTestPackets;

namespace WgSharp.Router.Tests.Nat;

public class NatEngineTests
{
    internal const string Lan = "192.168.2.10";
    internal const string Lan2 = "192.168.2.11";
    internal const string Masq = "10.5.0.2";
    internal const string Remote = "198.51.100.7";
    internal const string Lan6 = "fd00:2::10";
    internal const string Lan6b = "fd00:2::11";
    internal const string Masq6 = "fd00:5::2";
    internal const string Remote6 = "2001:db8::7";
    internal const int Peer = 1;
    internal static readonly TimeSpan T0 = TimeSpan.FromMinutes(10);

    internal static NatEngine NewEngine(int capacity = 4096, NatOptions? options = null) =>
        new(new ConnectionTracker(new ConntrackOptions { Capacity = capacity, HashSeed = 7 }), options);

    internal static NatResult Out(NatEngine nat, byte[] packet, string? masquerade = Masq, int peer = Peer, TimeSpan? now = null) =>
        nat.TranslateOutbound(packet, peer, masquerade is null ? default : Key(masquerade), now ?? T0);

    internal static NatResult In(NatEngine nat, byte[] packet, bool establishedOnly = true, int peer = Peer, TimeSpan? now = null) =>
        nat.TranslateInbound(packet, peer, establishedOnly, now ?? T0);

    private static void AssertPass(NatResult result, PacketTracking tracking, bool translated, bool established = false)
    {
        Assert.False(result.IsDropped, result.ToString());
        Assert.Equal(tracking, result.Tracking);
        Assert.Equal(translated, result.Translated);
        Assert.Equal(established, result.IsEstablished);
    }

    private static void AssertDrop(NatEngine nat, NatResult result, NatDrop reason)
    {
        Assert.True(result.IsDropped, result.ToString());
        Assert.Equal(reason, result.DropReason);
        Assert.True(nat.Counters[reason] > 0);
    }

    public static TheoryData<string, string, string> Families => new()
    {
        { Lan, Masq, Remote },
        { Lan6, Masq6, Remote6 },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void TcpRoundTripMatchesPacketsBuiltWithTheTranslatedAddresses(string lan, string masq, string remote)
    {
        NatEngine nat = NewEngine();
        byte[] syn = Tcp(lan, 40000, remote, 443, Syn, payload: 0, options: [2, 4, 0x05, 0xb4]);
        AssertPass(Out(nat, syn, masq), PacketTracking.New, translated: true);
        Assert.Equal(Tcp(masq, 40000, remote, 443, Syn, payload: 0, options: [2, 4, 0x05, 0xb4]), syn);

        byte[] synAck = Tcp(remote, 443, masq, 40000, SynAck, payload: 0);
        AssertPass(In(nat, synAck), PacketTracking.Reply, translated: true, established: true);
        Assert.Equal(Tcp(remote, 443, lan, 40000, SynAck, payload: 0), synAck);

        byte[] data = Tcp(lan, 40000, remote, 443, PshAck, payload: 1300);
        AssertPass(Out(nat, data, masq), PacketTracking.Original, translated: true);
        Assert.Equal(Tcp(masq, 40000, remote, 443, PshAck, payload: 1300), data);
        AssertChecksums(data);

        Assert.True(nat.Tracker.TryFind(TupleOf(Tcp(lan, 40000, remote, 443)), T0, out FlowMatch flow));
        Assert.Equal(TcpConnectionState.Established, flow.TcpState);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void UdpRoundTrip(string lan, string masq, string remote)
    {
        NatEngine nat = NewEngine();
        byte[] query = Udp(lan, 5353, remote, 53, payload: 41);
        AssertPass(Out(nat, query, masq), PacketTracking.New, translated: true);
        Assert.Equal(Udp(masq, 5353, remote, 53, payload: 41), query);

        byte[] answer = Udp(remote, 53, masq, 5353, payload: 200);
        AssertPass(In(nat, answer), PacketTracking.Reply, translated: true, established: true);
        Assert.Equal(Udp(remote, 53, lan, 5353, payload: 200), answer);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void IcmpEchoRoundTrip(string lan, string masq, string remote)
    {
        NatEngine nat = NewEngine();
        byte[] request = Echo(lan, remote, identifier: 0x4242, sequence: 9);
        AssertPass(Out(nat, request, masq), PacketTracking.New, translated: true);
        Assert.Equal(Echo(masq, remote, identifier: 0x4242, sequence: 9), request);

        byte[] reply = Echo(remote, masq, identifier: 0x4242, reply: true, sequence: 9);
        AssertPass(In(nat, reply), PacketTracking.Reply, translated: true, established: true);
        Assert.Equal(Echo(remote, lan, identifier: 0x4242, reply: true, sequence: 9), reply);

        // The next request reuses the flow.
        byte[] next = Echo(lan, remote, identifier: 0x4242, sequence: 10);
        AssertPass(Out(nat, next, masq), PacketTracking.Original, translated: true);
        Assert.Equal(1, nat.Tracker.Count);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void TwoHostsOnOnePortGetDistinctMappingsAndTheirOwnReplies(string lan, string masq, string remote)
    {
        string lan2 = lan == Lan ? Lan2 : Lan6b;
        NatEngine nat = NewEngine();
        byte[] first = Udp(lan, 5000, remote, 53);
        byte[] second = Udp(lan2, 5000, remote, 53);
        Out(nat, first, masq);
        Out(nat, second, masq);
        Assert.Equal(5000, SourcePortOf(first));
        ushort moved = SourcePortOf(second);
        Assert.NotEqual(5000, moved);
        Assert.InRange(moved, 1024, 65535);
        Assert.Equal(masq, SourceOf(second));
        AssertChecksums(second);

        byte[] replyToSecond = Udp(remote, 53, masq, moved);
        AssertPass(In(nat, replyToSecond), PacketTracking.Reply, true, true);
        Assert.Equal(Udp(remote, 53, lan2, 5000), replyToSecond);
        byte[] replyToFirst = Udp(remote, 53, masq, 5000);
        In(nat, replyToFirst);
        Assert.Equal(Udp(remote, 53, lan, 5000), replyToFirst);

        // Another destination port: the same source port is free again.
        byte[] third = Udp(lan2, 5000, remote, 54);
        Out(nat, third, masq);
        Assert.Equal(5000, SourcePortOf(third));

        // ICMP identifiers collide and move the same way.
        byte[] ping1 = Echo(lan, remote, 7);
        byte[] ping2 = Echo(lan2, remote, 7);
        Out(nat, ping1, masq);
        Out(nat, ping2, masq);
        ushort id2 = BinaryPrimitives.ReadUInt16BigEndian(ping2.AsSpan(ping2.Length - 36));
        Assert.Equal(7, TupleOf(ping1).SourcePort);
        Assert.NotEqual(7, TupleOf(ping2).SourcePort);
        Assert.Equal(TupleOf(ping2).SourcePort, id2);
        AssertChecksums(ping2);
        byte[] pong2 = Echo(remote, masq, id2, reply: true);
        In(nat, pong2);
        Assert.Equal(Echo(remote, lan2, 7, reply: true), pong2);
    }

    [Fact]
    public void ManyHostsOnOnePortAllGetDistinctPorts()
    {
        NatEngine nat = NewEngine();
        var ports = new HashSet<ushort>();
        for (int i = 1; i <= 500; i++)
        {
            byte[] packet = Udp($"192.168.{i / 250}.{(i % 250) + 1}", 4500, Remote, 4500);
            AssertPass(Out(nat, packet), PacketTracking.New, translated: true);
            Assert.True(ports.Add(SourcePortOf(packet)));
        }
        Assert.Contains((ushort)4500, ports);
    }

    [Fact]
    public void ExhaustedRangeDropsAndCounts()
    {
        NatEngine nat = NewEngine(options: new NatOptions { PortFirst = 2000, PortLast = 2001 });
        AssertPass(Out(nat, Udp(Lan, 2000, Remote, 53)), PacketTracking.New, true);
        AssertPass(Out(nat, Udp(Lan2, 2000, Remote, 53)), PacketTracking.New, true);
        AssertDrop(nat, Out(nat, Udp("192.168.2.12", 2000, Remote, 53)), NatDrop.PortsExhausted);
        // A host whose own port is outside the range still keeps it when free.
        AssertPass(Out(nat, Udp("192.168.2.13", 3000, Remote, 53)), PacketTracking.New, true);
        Assert.Equal(1, nat.Tracker.Counters.PortsExhausted);
    }

    [Fact]
    public void LocalSocketOnTheMasqueradeAddressIsMovedOffAClashingPort()
    {
        NatEngine nat = NewEngine();
        Out(nat, Tcp(Lan, 40000, Remote, 443));
        // The router's own socket bound to 10.5.0.2 picked the same port; no masquerade asked.
        byte[] own = Tcp(Masq, 40000, Remote, 443);
        AssertPass(Out(nat, own, masquerade: null), PacketTracking.New, translated: true);
        ushort moved = SourcePortOf(own);
        Assert.NotEqual(40000, moved);
        AssertChecksums(own);

        byte[] reply = Tcp(Remote, 443, Masq, moved, SynAck);
        In(nat, reply);
        Assert.Equal(Tcp(Remote, 443, Masq, 40000, SynAck), reply);
        byte[] replyToLan = Tcp(Remote, 443, Masq, 40000, SynAck);
        In(nat, replyToLan);
        Assert.Equal(Tcp(Remote, 443, Lan, 40000, SynAck), replyToLan);
    }

    [Fact]
    public void UnmasqueradedFlowsAreTrackedButNotRewritten()
    {
        NatEngine nat = NewEngine();
        byte[] syn = Tcp(Lan, 40000, Remote, 443);
        byte[] copy = (byte[])syn.Clone();
        AssertPass(Out(nat, syn, masquerade: null), PacketTracking.New, translated: false);
        Assert.Equal(copy, syn);
        AssertPass(In(nat, Tcp(Remote, 443, Lan, 40000, SynAck)), PacketTracking.Reply, translated: false, established: true);
        AssertDrop(nat, In(nat, Tcp(Remote, 443, Lan, 40001, SynAck)), NatDrop.NotEstablished);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void PortForwardTranslatesInAndRepliesBack(string lan, string masq, string remote)
    {
        string target = lan;
        NatEngine nat = NewEngine();
        nat.SetPortForwards([
            new PortForward(IpProtocol.Tcp, Key(masq), 8080, Key(target), 80),
            new PortForward(IpProtocol.Udp, Key(masq), 5060, Key(target), 5062),
        ]);
        byte[] syn = Tcp(remote, 55555, masq, 8080, Syn, options: [2, 4, 0x05, 0x8c]);
        AssertPass(In(nat, syn, establishedOnly: false), PacketTracking.New, translated: true);
        Assert.Equal(Tcp(remote, 55555, target, 80, Syn, options: [2, 4, 0x05, 0x8c]), syn);

        byte[] synAck = Tcp(target, 80, remote, 55555, SynAck);
        AssertPass(Out(nat, synAck, masquerade: null), PacketTracking.Reply, translated: true);
        Assert.Equal(Tcp(masq, 8080, remote, 55555, SynAck), synAck);

        byte[] ack = Tcp(remote, 55555, masq, 8080, Ack, payload: 10);
        AssertPass(In(nat, ack, establishedOnly: false), PacketTracking.Original, translated: true);
        Assert.Equal(Tcp(remote, 55555, target, 80, Ack, payload: 10), ack);

        byte[] sip = Udp(remote, 5060, masq, 5060);
        In(nat, sip, establishedOnly: false);
        Assert.Equal(Udp(remote, 5060, target, 5062), sip);
        byte[] sipReply = Udp(target, 5062, remote, 5060);
        Out(nat, sipReply, masquerade: null);
        Assert.Equal(Udp(masq, 5060, remote, 5060), sipReply);

        // Other ports and a peer with `Inbound = established` are not forwarded.
        byte[] other = Tcp(remote, 55556, masq, 8081);
        AssertPass(In(nat, other, establishedOnly: false), PacketTracking.New, translated: false);
        AssertDrop(nat, In(nat, Tcp(remote, 55557, masq, 8080), establishedOnly: true), NatDrop.NotEstablished);
        Assert.Equal(2, nat.PortForwards.Count);
    }

    [Fact]
    public void PortForwardValidation()
    {
        Assert.Throws<ArgumentException>(() => new PortForward(IpProtocol.Icmp, Key(Masq), 1, Key(Lan), 1));
        Assert.Throws<ArgumentException>(() => new PortForward(IpProtocol.Tcp, Key(Masq), 1, Key(Lan6), 1));
        Assert.Throws<ArgumentException>(() => new PortForward(IpProtocol.Tcp, Key(Masq), 0, Key(Lan), 1));
    }

    [Fact]
    public void EstablishedOnlyLetsInRepliesFromThatPeerAndTouchesNothingElse()
    {
        NatEngine nat = NewEngine();
        Out(nat, Tcp(Lan, 40000, Remote, 443), peer: 1);
        // A reply arriving from another peer is refused, and the flow's state is untouched.
        AssertDrop(nat, In(nat, Tcp(Remote, 443, Masq, 40000, SynAck), peer: 2), NatDrop.NotEstablished);
        Assert.True(nat.Tracker.TryFind(TupleOf(Tcp(Lan, 40000, Remote, 443)), T0, out FlowMatch flow));
        Assert.Equal(TcpConnectionState.SynSent, flow.TcpState);
        // A new connection attempt opens nothing.
        int count = nat.Tracker.Count;
        AssertDrop(nat, In(nat, Tcp(Remote, 1234, Masq, 22), peer: 1), NatDrop.NotEstablished);
        AssertDrop(nat, In(nat, Echo(Remote, Masq, 5), peer: 1), NatDrop.NotEstablished);
        AssertDrop(nat, In(nat, TestPackets.Ipv4(IpProtocol.Icmp, Bytes(Remote), Bytes(Masq), TestPackets.Icmp(13, 0, 0, new byte[12])), peer: 1), NatDrop.NotEstablished);
        Assert.Equal(count, nat.Tracker.Count);
        // The right peer's reply passes; so would a new connection with establishedOnly off.
        AssertPass(In(nat, Tcp(Remote, 443, Masq, 40000, SynAck), peer: 1), PacketTracking.Reply, true, true);
        AssertPass(In(nat, Tcp(Remote, 1234, Masq, 22), establishedOnly: false, peer: 1), PacketTracking.New, false);
        Assert.True(nat.IsReplyOrRelated(Tcp(Remote, 443, Masq, 40000, Ack), 1, T0));
    }

    [Fact]
    public void RepliesAfterExpiryAreNotEstablished()
    {
        NatEngine nat = NewEngine();
        Out(nat, Udp(Lan, 5353, Remote, 53));
        AssertDrop(nat, In(nat, Udp(Remote, 53, Masq, 5353), now: T0 + TimeSpan.FromSeconds(31)), NatDrop.NotEstablished);
    }

    [Fact]
    public void OtherProtocolsAreTrackedButNeverMasqueraded()
    {
        NatEngine nat = NewEngine();
        AssertDrop(nat, Out(nat, Other(Lan, Remote)), NatDrop.UnsupportedProtocol);
        byte[] gre = Other(Lan, Remote);
        AssertPass(Out(nat, gre, masquerade: null), PacketTracking.New, false);
        AssertPass(In(nat, Other(Remote, Lan)), PacketTracking.Reply, false, true);
        AssertDrop(nat, Out(nat, Other(Lan6, Remote6, protocol: 132), Masq6), NatDrop.UnsupportedProtocol);
    }

    [Fact]
    public void IcmpOtherThanEchoAndErrorsIsUntrackedOrRefusedUnderMasquerade()
    {
        NatEngine nat = NewEngine();
        byte[] timestamp = TestPackets.Ipv4(IpProtocol.Icmp, Bytes(Lan), Bytes(Remote), TestPackets.Icmp(13, 0, 0x00010001, new byte[12]));
        AssertDrop(nat, Out(nat, timestamp), NatDrop.UnsupportedIcmp);
        AssertPass(Out(nat, timestamp, masquerade: null), PacketTracking.Untracked, false);
        byte[] routerSolicitation = TestPackets.Ipv6(IpProtocol.IcmpV6, Bytes(Lan6), Bytes("ff02::2"),
            TestPackets.Icmp(133, 0, 0, [], Bytes(Lan6), Bytes("ff02::2")));
        AssertDrop(nat, Out(nat, routerSolicitation, Masq6), NatDrop.UnsupportedIcmp);
        AssertPass(In(nat, routerSolicitation, establishedOnly: false), PacketTracking.Untracked, false);
        Assert.Equal(0, nat.Tracker.Count);
    }

    [Fact]
    public void InvalidAndOrphanPacketsAreCountedDrops()
    {
        NatEngine nat = NewEngine();
        AssertDrop(nat, Out(nat, Udp(Lan, 1, Remote, 2), Masq6), NatDrop.FamilyMismatch);
        AssertDrop(nat, Out(nat, Tcp(Lan, 40000, Remote, 443, Rst)), NatDrop.TcpWithoutFlow);
        AssertDrop(nat, In(nat, Tcp(Remote, 443, Masq, 40000, SynAck), establishedOnly: false), NatDrop.TcpWithoutFlow);
        AssertDrop(nat, Out(nat, Echo(Lan, Remote, 1, reply: true)), NatDrop.IcmpWithoutFlow);

        byte[] tcp = Tcp(Lan, 40000, Remote, 443);
        byte[] truncated = tcp[..30];
        BinaryPrimitives.WriteUInt16BigEndian(truncated.AsSpan(2), 30);
        AssertDrop(nat, Out(nat, truncated), NatDrop.Malformed);
        byte[] badUdpLength = Udp(Lan, 1, Remote, 2);
        BinaryPrimitives.WriteUInt16BigEndian(badUdpLength.AsSpan(24), 500);
        AssertDrop(nat, Out(nat, badUdpLength), NatDrop.Malformed);
        AssertDrop(nat, Out(nat, [0x45, 0, 0, 20]), NatDrop.Malformed);
        AssertDrop(nat, In(nat, [0x60]), NatDrop.Malformed);
        AssertDrop(nat, In(nat, []), NatDrop.Malformed);
        Assert.Equal(0, nat.Tracker.Count);
    }

    [Fact]
    public void FullTableDropsNewFlowsButServesExistingOnes()
    {
        NatEngine nat = NewEngine(capacity: 1);
        Out(nat, Udp(Lan, 1000, Remote, 53));
        In(nat, Udp(Remote, 53, Masq, 1000));
        AssertDrop(nat, Out(nat, Udp(Lan, 1001, Remote, 53)), NatDrop.TableFull);
        AssertPass(Out(nat, Udp(Lan, 1000, Remote, 53)), PacketTracking.Original, true);
        Assert.Equal(1, nat.Tracker.Counters.Refused);
    }

    [Fact]
    public void UdpWithoutChecksumStaysWithout()
    {
        NatEngine nat = NewEngine();
        byte[] packet = Udp(Lan, 5353, Remote, 53);
        packet[26] = 0;
        packet[27] = 0;
        Out(nat, packet);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(26)));
        Assert.Equal(Masq, SourceOf(packet));
        AssertChecksums(packet);
    }

    [Fact]
    public void Ipv4OptionsAndIpv6ExtensionHeadersAreSkipped()
    {
        NatEngine nat = NewEngine();
        byte[] segment = TestPackets.Tcp(Bytes(Lan), Bytes(Remote), 40000, 443, Syn, [], []);
        byte[] withOptions = TestPackets.Ipv4(IpProtocol.Tcp, Bytes(Lan), Bytes(Remote), segment, options: [1, 1, 1, 0]);
        Out(nat, withOptions);
        Assert.Equal(TestPackets.Ipv4(IpProtocol.Tcp, Bytes(Masq), Bytes(Remote),
            TestPackets.Tcp(Bytes(Masq), Bytes(Remote), 40000, 443, Syn, [], []), options: [1, 1, 1, 0]), withOptions);

        byte[] segment6 = TestPackets.Tcp(Bytes(Lan6), Bytes(Remote6), 40000, 443, Syn, [], []);
        byte[] hopByHop = [IpProtocol.DestinationOptions, 0, 1, 4, 0, 0, 0, 0];
        byte[] destinationOptions = [IpProtocol.Tcp, 0, 1, 4, 0, 0, 0, 0];
        byte[] v6 = TestPackets.Ipv6(IpProtocol.HopByHopOptions, Bytes(Lan6), Bytes(Remote6), [.. hopByHop, .. destinationOptions, .. segment6]);
        AssertPass(Out(nat, v6, Masq6), PacketTracking.New, true);
        Assert.Equal(TestPackets.Ipv6(IpProtocol.HopByHopOptions, Bytes(Masq6), Bytes(Remote6),
            [.. hopByHop, .. destinationOptions, .. TestPackets.Tcp(Bytes(Masq6), Bytes(Remote6), 40000, 443, Syn, [], [])]), v6);
    }

    [Fact]
    public void ConcurrentWorkersMasqueradingOneDestinationNeverShareAPort()
    {
        NatEngine nat = NewEngine(capacity: 20000);
        const int Workers = 4;
        const int PerWorker = 2000;
        var mapped = new ushort[Workers, PerWorker];
        Parallel.For(0, Workers, new ParallelOptions { MaxDegreeOfParallelism = Workers }, w =>
        {
            for (int i = 0; i < PerWorker; i++)
            {
                byte[] packet = Udp($"192.168.{w}.{(i % 250) + 1}", (ushort)(1000 + (i / 250)), Remote, 53);
                NatResult result = Out(nat, packet);
                Assert.False(result.IsDropped, result.ToString());
                mapped[w, i] = SourcePortOf(packet);
                // Replies find their way back while others insert.
                byte[] reply = Udp(Remote, 53, Masq, mapped[w, i]);
                Assert.False(In(nat, reply).IsDropped);
                Assert.Equal($"192.168.{w}.{(i % 250) + 1}", DestinationOf(reply));
                Assert.Equal(1000 + (i / 250), DestinationPortOf(reply));
            }
        });
        var all = new HashSet<ushort>();
        foreach (ushort port in mapped)
        {
            Assert.True(all.Add(port), $"port {port} mapped twice");
        }
        Assert.Equal(Workers * PerWorker, nat.Tracker.Count);
    }

    [Fact]
    public void APeerOverItsShareIsRefusedWhileOthersAndTheLocalSideStillOpenFlows()
    {
        var nat = new NatEngine(new ConnectionTracker(new ConntrackOptions { Capacity = 4096, HashSeed = 7, PerOwnerLimit = 1024 }));
        int opened = 0;
        for (int i = 0; i < 5000; i++)
        {
            // Connections from peer 1 into the local side, each answered (assured, so never evicted).
            string client = $"10.9.{i >> 8}.{i & 0xFF}";
            NatResult result = In(nat, Udp(client, 40000, Lan, 53), establishedOnly: false);
            if (!result.IsDropped)
            {
                opened++;
                Assert.False(Out(nat, Udp(Lan, 53, client, 40000), masquerade: null).IsDropped);
                Assert.False(In(nat, Udp(client, 40000, Lan, 53), establishedOnly: false).IsDropped);
            }
            else
            {
                Assert.Equal(NatDrop.ShareExceeded, result.DropReason);
            }
        }

        Assert.Equal(1024, opened);
        Assert.Equal(5000 - 1024, nat.Counters[NatDrop.ShareExceeded]);
        Assert.Equal(0, nat.Counters[NatDrop.TableFull]);

        // Peer 2, the local side (masqueraded) and a relayed flow from peer 2 open theirs; peer 1's relayed flows count against its share.
        AssertPass(In(nat, Udp("10.8.0.1", 40000, Lan, 53), establishedOnly: false, peer: 2), PacketTracking.New, false);
        AssertPass(Out(nat, Udp(Lan, 5353, Remote, 53)), PacketTracking.New, translated: true);
        AssertPass(nat.TranslateOutbound(Udp("10.8.0.1", 4000, Remote, 53), Peer, default, T0, FlowOrigin.Relayed, 2), PacketTracking.New, false);
        AssertDrop(nat, nat.TranslateOutbound(Udp("10.9.0.1", 4000, Remote, 53), 2, default, T0, FlowOrigin.Relayed, 1), NatDrop.ShareExceeded);
    }
}
