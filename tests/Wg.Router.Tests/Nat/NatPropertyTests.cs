// FsCheck properties of the NAT stage: random packet sequences (both directions, all protocols, some
// corrupted, fragmented or of the wrong family) never throw and either pass with valid checksums or are
// dropped with a counted reason; random masqueraded flows un-NAT their replies and ICMP errors exactly.
using FsCheck;
using FsCheck.Fluent;
using WgSharp.Router.Nat;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;
using static WgSharp.Router.Tests.Nat.NatTestPackets;

namespace WgSharp.Router.Tests.Nat;

public class NatPropertyTests
{
    private static readonly string[] V4Pool = ["192.168.2.10", "192.168.2.11", "10.5.0.2", "198.51.100.7", "198.51.100.8"];
    private static readonly string[] V6Pool = ["fd00:2::10", "fd00:2::11", "fd00:5::2", "2001:db8::7", "2001:db8::8"];
    private static readonly ushort[] PortPool = [53, 443, 1024, 5000, 40000, 65535];
    private static readonly byte[] FlagPool = [Syn, SynAck, Ack, PshAck, FinAck, Rst, 0x14, 0x00, 0x03];

    /// <summary>One packet to feed the engine, kept as a description so a failure prints readably.</summary>
    internal sealed record PacketSpec(
        bool V6, int Kind, int Source, int Destination, ushort SourcePort, ushort DestinationPort, byte Flags, int Payload,
        bool Inbound, int Masquerade, bool EstablishedOnly, int Peer, int Mutation, int MutationPosition, byte MutationValue)
    {
        /// <summary>The packet; an ICMP error (kind 6) quotes a packet of one of <paramref name="flows"/> when there are any.</summary>
        public byte[] Build(IReadOnlyList<FlowSnapshot> flows)
        {
            string[] pool = V6 ? V6Pool : V4Pool;
            string src = pool[Source];
            string dst = pool[Destination];
            byte[] packet = Kind switch
            {
                0 => Tcp(src, SourcePort, dst, DestinationPort, Flags, Payload),
                1 => Udp(src, SourcePort, dst, DestinationPort, Payload),
                2 => Echo(src, dst, SourcePort, reply: false, payload: Payload),
                3 => Echo(src, dst, SourcePort, reply: true, payload: Payload),
                4 => V6
                    ? TestPackets.Ipv6(IpProtocol.IcmpV6, Bytes(src), Bytes(dst), TestPackets.Icmp(135, 0, 0, new byte[16], Bytes(src), Bytes(dst)))
                    : TestPackets.Ipv4(IpProtocol.Icmp, Bytes(src), Bytes(dst), TestPackets.Icmp(13, 0, 1, new byte[12])),
                5 => Other(src, dst),
                _ => flows.Count > 0 ? ErrorAbout(flows[SourcePort % flows.Count]) : Error(src, dst),
            };
            switch (Mutation)
            {
                case 1:
                    packet[MutationPosition % packet.Length] ^= (byte)(MutationValue | 1);
                    break;
                case 2:
                    packet = packet[..(MutationPosition % packet.Length)];
                    break;
                case 3 when !V6:
                    // More Fragments (a first fragment), and the header checksum fixed so only the fragment bit matters.
                    packet[6] |= 0x20;
                    packet[10] = 0;
                    packet[11] = 0;
                    ushort sum = TestPackets.NaiveChecksum(packet[..((packet[0] & 0x0F) * 4)]);
                    packet[10] = (byte)(sum >> 8);
                    packet[11] = (byte)sum;
                    break;
            }
            return packet;
        }

        /// <summary>
        /// An ICMP error travelling like a packet of the flow's original or reply tuple T: it quotes a packet
        /// carrying T inverted, comes from a router or from T's own source, and goes to T's destination.
        /// </summary>
        private byte[] ErrorAbout(FlowSnapshot flow)
        {
            FlowTuple t = Destination % 2 == 0 ? flow.Original : flow.Reply;
            FlowTuple q = t.Invert();
            string qs = q.Source.ToString();
            string qd = q.Destination.ToString();
            byte[] quoted = q.Protocol switch
            {
                IpProtocol.Tcp => Tcp(qs, q.SourcePort, qd, q.DestinationPort, Ack, Payload),
                IpProtocol.Udp => Udp(qs, q.SourcePort, qd, q.DestinationPort, Payload),
                IpProtocol.Icmp or IpProtocol.IcmpV6 => q.DestinationPort == 0
                    ? Echo(qs, qd, q.SourcePort, reply: false, payload: Payload)
                    : Echo(qs, qd, q.DestinationPort, reply: true, payload: Payload),
                _ => Other(qs, qd, q.Protocol),
            };
            quoted = quoted[..Math.Min(quoted.Length, (q.Family == IpFamily.V6 ? 40 : 20) + 8 + (Payload % 40))];
            byte[] src = Source % 2 == 0 ? Bytes(t.Source.ToString()) : Bytes(q.Family == IpFamily.V6 ? "2001:db8:ffff::1" : "203.0.113.1");
            byte[] dst = Bytes(t.Destination.ToString());
            return q.Family == IpFamily.V6
                ? TestPackets.Ipv6(IpProtocol.IcmpV6, src, dst, TestPackets.Icmp(IcmpTypes.V6.DestinationUnreachable, 4, 0, quoted, src, dst))
                : TestPackets.Ipv4(IpProtocol.Icmp, src, dst, TestPackets.Icmp(3, 3, 0, quoted));
        }

        /// <summary>An ICMP error from <paramref name="src"/> quoting a packet of a pool flow addressed to <paramref name="src"/>'s side.</summary>
        private byte[] Error(string src, string dst)
        {
            string[] pool = V6 ? V6Pool : V4Pool;
            string quotedSource = dst;
            string quotedDestination = pool[(Destination + 1 + (SourcePort % 4)) % pool.Length];
            byte[] quoted = (Flags % 3) switch
            {
                0 => Tcp(quotedSource, DestinationPort, quotedDestination, SourcePort, Syn, Payload),
                1 => Udp(quotedSource, DestinationPort, quotedDestination, SourcePort, Payload),
                _ => Echo(quotedSource, quotedDestination, DestinationPort, payload: Payload),
            };
            quoted = quoted[..Math.Min(quoted.Length, (V6 ? 40 : 20) + 8 + (Payload % 40))];
            return V6
                ? TestPackets.Ipv6(IpProtocol.IcmpV6, Bytes(src), Bytes(dst), TestPackets.Icmp(IcmpTypes.V6.PacketTooBig, 0, 1280, quoted, Bytes(src), Bytes(dst)))
                : TestPackets.Ipv4(IpProtocol.Icmp, Bytes(src), Bytes(dst), TestPackets.Icmp(3, 4, 1280, quoted));
        }

        public IpAddressKey MasqueradeAddress => Masquerade switch
        {
            0 => default,
            1 => Key(V6 ? V6Pool[2] : V4Pool[2]),
            _ => Key(V6 ? V4Pool[2] : V6Pool[2]),
        };
    }

    private static Gen<ushort> Port => Gen.OneOf(Gen.Elements(PortPool), Generators.UInt16);

    private static Gen<PacketSpec> Specs =>
        from v6 in Gen.Elements(false, true)
        from kind in Gen.Choose(0, 6)
        from source in Gen.Choose(0, 4)
        from destination in Gen.Choose(0, 4)
        from sourcePort in Port
        from destinationPort in Port
        from flags in Gen.Elements(FlagPool)
        from payload in Gen.Choose(0, 200)
        from inbound in Gen.Elements(false, true)
        from masquerade in Gen.Frequency((6, Gen.Constant(1)), (3, Gen.Constant(0)), (1, Gen.Constant(2)))
        from establishedOnly in Gen.Elements(false, true)
        from peer in Gen.Choose(0, 2)
        from mutation in Gen.Frequency((12, Gen.Constant(0)), (2, Gen.Constant(1)), (1, Gen.Constant(2)), (1, Gen.Constant(3)))
        from position in Gen.Choose(0, 2000)
        from value in Generators.Byte
        select new PacketSpec(v6, kind, source, destination, sourcePort, destinationPort, flags, payload,
            inbound, masquerade, establishedOnly, peer, mutation, position, value);

    [Fact]
    public void RandomPacketSequencesPassWithValidChecksumsOrDropWithACountedReason()
    {
        int translated = 0;
        int translatedErrors = 0;
        int untouched = 0;
        var reasons = new HashSet<NatDrop>();
        Generators.Check(Prop.ForAll(Arb.From(Gen.ListOf(Specs).Select(l => l.Take(60).ToArray())), specs =>
        {
            NatEngine nat = NewEngine(capacity: 32);
            nat.SetPortForwards([new PortForward(IpProtocol.Tcp, Key(V4Pool[2]), 443, Key(V4Pool[0]), 8443)]);
            TimeSpan now = TimeSpan.FromSeconds(100);
            foreach (PacketSpec spec in specs)
            {
                now += TimeSpan.FromSeconds(spec.Payload % 7);
                byte[] packet = spec.Build(spec.Kind == 6 ? nat.Tracker.Snapshot(now) : []);
                byte[] before = (byte[])packet.Clone();
                bool validBefore = ChecksumsValid(before, out _);
                long dropsBefore = DropsFor(nat);

                NatResult result = spec.Inbound
                    ? nat.TranslateInbound(packet, spec.Peer, spec.EstablishedOnly, now)
                    : nat.TranslateOutbound(packet, spec.Peer, spec.MasqueradeAddress, now);

                Assert.Equal(before.Length, packet.Length);
                if (result.IsHeld)
                {
                    // A later fragment kept for its first: not a drop, and untouched until released.
                    Assert.Equal(dropsBefore, DropsFor(nat));
                    Assert.Equal(before, packet);
                    continue;
                }
                if (result.IsDropped)
                {
                    reasons.Add(result.DropReason);
                    Assert.Equal(dropsBefore + 1, DropsFor(nat));
                    Assert.Equal(before, packet);
                    continue;
                }
                Assert.Equal(dropsBefore, DropsFor(nat));
                if (!result.Translated)
                {
                    untouched++;
                    Assert.Equal(before, packet);
                }
                else if (validBefore)
                {
                    translated++;
                    translatedErrors += result.Tracking == PacketTracking.Related ? 1 : 0;
                    Assert.True(ChecksumsValid(packet, out string why), $"{spec}: {why}");
                }
                if (spec.Inbound && spec.EstablishedOnly)
                {
                    Assert.True(result.IsEstablished, spec.ToString());
                }
                Assert.True(nat.Tracker.Count <= 32);
            }
        }), maxTest: 300);

        // The generator reaches every outcome (a vacuous run would pass the property trivially).
        Assert.True(translated > 500 && translatedErrors > 10 && untouched > 500, $"{translated} translated ({translatedErrors} errors), {untouched} untouched");
        NatDrop[] expected = [NatDrop.Malformed, NatDrop.NotEstablished, NatDrop.TcpWithoutFlow, NatDrop.IcmpWithoutFlow,
            NatDrop.FamilyMismatch, NatDrop.UnsupportedProtocol, NatDrop.UnsupportedIcmp];
        Assert.Empty(expected.Except(reasons));
    }

    // Drops counted for the packet in hand: held fragments whose train timed out are counted when it is reclaimed.
    private static long DropsFor(NatEngine nat) => nat.Counters.NonZero().Where(kv => kv.Key != NatDrop.FragmentExpired).Sum(kv => kv.Value);

    [Fact]
    public void RandomBytesNeverThrow()
    {
        NatEngine nat = NewEngine(capacity: 64);
        Gen<byte[]> bytes = Generators.Zip(Generators.Bytes(0, 120), Gen.Elements<byte>(0x45, 0x46, 0x60, 0x00))
            .Select(t =>
            {
                if (t.Item1.Length > 0)
                {
                    t.Item1[0] = t.Item2;
                }
                return t.Item1;
            });
        Generators.Check(Prop.ForAll(Arb.From(bytes), data =>
        {
            byte[] a = (byte[])data.Clone();
            nat.TranslateOutbound(a, 0, Key("10.5.0.2"), TimeSpan.FromSeconds(1));
            byte[] b = (byte[])data.Clone();
            nat.TranslateInbound(b, 0, false, TimeSpan.FromSeconds(1));
            nat.Tracker.IsReplyOrRelated(data, 0, TimeSpan.FromSeconds(1));
        }), maxTest: 5000);
    }

    internal sealed record FlowSpec(bool V6, int Protocol, ushort SourcePort, ushort DestinationPort, int Payload, bool Collide, int ErrorKind, int Mtu)
    {
        public string Lan => V6 ? V6Pool[0] : V4Pool[0];

        public string Lan2 => V6 ? V6Pool[1] : V4Pool[1];

        public string Masq => V6 ? V6Pool[2] : V4Pool[2];

        public string Remote => V6 ? V6Pool[3] : V4Pool[3];

        public string Router => V6 ? "2001:db8:ffff::1" : "203.0.113.1";

        public byte[] Packet(string src, string dst, ushort sourcePort) => Protocol switch
        {
            0 => Tcp(src, sourcePort, dst, DestinationPort, Syn, Payload),
            1 => Udp(src, sourcePort, dst, DestinationPort, Payload),
            _ => Echo(src, dst, sourcePort, payload: Payload),
        };

        public byte[] Reply(string src, string dst, ushort port) => Protocol switch
        {
            0 => Tcp(src, DestinationPort, dst, port, SynAck, Payload),
            1 => Udp(src, DestinationPort, dst, port, Payload),
            _ => Echo(src, dst, port, reply: true, payload: Payload),
        };
    }

    private static Gen<FlowSpec> Flows =>
        from v6 in Gen.Elements(false, true)
        from protocol in Gen.Choose(0, 2)
        from sourcePort in Port
        from destinationPort in Port
        from payload in Gen.Choose(0, 1500)
        from collide in Gen.Elements(false, true)
        from errorKind in Gen.Choose(0, 2)
        from mtu in Gen.Choose(1280, 1500)
        select new FlowSpec(v6, protocol, sourcePort, destinationPort, payload, collide, errorKind, mtu);

    [Fact]
    public void MasqueradedFlowsGetTheirRepliesAndIcmpErrorsBackExactly()
    {
        Generators.Check(Prop.ForAll(Arb.From(Flows), flow =>
        {
            NatEngine nat = NewEngine(capacity: 16);
            TimeSpan now = TimeSpan.FromSeconds(5);
            IpAddressKey masq = Key(flow.Masq);
            if (flow.Collide)
            {
                // Another host holds the same source port (or identifier) to the same destination.
                Assert.False(nat.TranslateOutbound(flow.Packet(flow.Lan2, flow.Remote, flow.SourcePort), 1, masq, now).IsDropped);
            }
            byte[] original = flow.Packet(flow.Lan, flow.Remote, flow.SourcePort);
            byte[] sent = (byte[])original.Clone();
            NatResult outResult = nat.TranslateOutbound(sent, 1, masq, now);
            Assert.False(outResult.IsDropped, outResult.ToString());
            Assert.True(ChecksumsValid(sent, out string why), why);
            FlowTuple translated = TupleOf(sent);
            Assert.Equal(flow.Masq, translated.Source.ToString());
            Assert.Equal(flow.Collide, translated.SourcePort != flow.SourcePort);

            // The ICMP error a router on the way would send about the translated packet.
            var kind = (IcmpErrorKind)flow.ErrorKind;
            byte[] buffer = new byte[IcmpErrorBuilder.MaxLengthV6];
            Assert.True(IcmpErrorBuilder.TryWrite(sent, kind, Key(flow.Router), flow.Mtu, buffer, out int written));
            byte[] error = buffer[..written];
            Assert.True(IcmpErrorBuilder.TryWrite(original, kind, Key(flow.Router), flow.Mtu, buffer, out written));
            byte[] expectedError = buffer[..written];
            NatResult errorResult = nat.TranslateInbound(error, 1, establishedOnly: true, now);
            Assert.Equal(PacketTracking.Related, errorResult.Tracking);
            Assert.Equal(expectedError, error);

            // The reply to the translated packet comes back to the host, exactly.
            byte[] reply = flow.Reply(flow.Remote, flow.Masq, translated.SourcePort);
            NatResult inResult = nat.TranslateInbound(reply, 1, establishedOnly: true, now);
            Assert.True(inResult.IsEstablished, inResult.ToString());
            Assert.Equal(flow.Reply(flow.Remote, flow.Lan, flow.SourcePort), reply);
        }), maxTest: 500);
    }

    private static NatEngine NewEngine(int capacity) =>
        new(new ConnectionTracker(new ConntrackOptions { Capacity = capacity }));
}
