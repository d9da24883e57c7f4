// The router stage of WireGuardDevice end to end over in-memory devices: rules (drop, reject, ToPeer),
// masquerade and its replies, relaying between peers without the TUN, Inbound = established, port
// forwards, MSS clamping both ways, configuration validation, hostile packets and the empty fast path.
using System.Buffers.Binary;
using System.Net;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Device;
using WgSharp.Router.Nat;
using WgSharp.Router.Packets;
using WgSharp.Router.Policy;
using WgSharp.Router.Tests.Nat;
using WgSharp.Tun.Net;
using static WgSharp.Router.Tests.Device.RouterMesh;

namespace WgSharp.Router.Tests.Device;

public class RouterDeviceTests
{
    private static readonly string[] XRoutes = ["10.0.0.2/32", "10.2.0.0/16"];
    private static readonly string[] YRoutes = ["10.0.0.3/32", "10.3.0.0/16"];

    private static RouterRule Rule(string? to = null, RouterRuleAction action = RouterRuleAction.Route, PublicKey? peer = null,
        bool masquerade = false, PublicKey? input = null, byte? protocol = null, string? from = null) => new()
    {
        To = to is null ? [] : [new PrefixSelector(IPNetwork.Parse(to), false)],
        From = from is null ? [] : [new PrefixSelector(IPNetwork.Parse(from), false)],
        Action = action,
        Peer = peer,
        Masquerade = masquerade,
        Input = input,
        Protocol = protocol,
    };

    private static RouterConfiguration Config(params RouterRule[] rules) => new()
    {
        Rules = rules,
        InterfaceAddresses = [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("fd00::1")],
    };

    private static RouterConfiguration With(RouterConfiguration configuration, int? mss = null, IReadOnlyList<RouterPeerOptions>? peers = null) => new()
    {
        Rules = configuration.Rules,
        InterfaceAddresses = configuration.InterfaceAddresses,
        Forwards = configuration.Forwards,
        MssClamp = mss ?? configuration.MssClamp,
        Peers = peers ?? configuration.Peers,
    };

    [Fact]
    public void Drop_rule_drops_and_counts_and_other_traffic_passes()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(Config(Rule("10.2.0.0/16", RouterRuleAction.Drop)));

        Send(mesh.R, mesh.X, NatTestPackets.Udp("10.0.0.1", 1000, "10.0.0.2", 2000)); // handshake done, path works
        Assert.True(mesh.R.Tun.InjectPacket(NatTestPackets.Udp("10.0.0.1", 1000, "10.2.0.5", 2000)));
        AssertNothing(mesh.X);
        Assert.Equal("10.0.0.2", NatTestPackets.DestinationOf(Send(mesh.R, mesh.X, NatTestPackets.Udp("10.0.0.1", 1000, "10.0.0.2", 2001))));

        RouterStatus snapshot = mesh.R.Device.GetRouterStatus(10);
        Assert.Equal(1UL, Counter(snapshot, DeviceDrop.PolicyDrop));
        RuleHits rule = Assert.Single(snapshot.Rules);
        Assert.Equal(1UL, rule.Packets);
        Assert.Equal(RouterRuleAction.Drop, rule.Rule.Action);
    }

    [Fact]
    public void Reject_rule_answers_admin_prohibited_into_the_tun_and_to_a_peer()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(Config(
            Rule("10.2.0.0/16", RouterRuleAction.Reject, protocol: IpProtocol.Udp),
            Rule("192.168.1.0/24", RouterRuleAction.Reject, input: mesh.X.PublicKey)));

        byte[] rejected = NatTestPackets.Udp("10.0.0.1", 1000, "10.2.0.5", 2000);
        byte[] answer = Send(mesh.R, mesh.R, rejected);
        AssertAdminProhibited(answer, from: "10.2.0.5", to: "10.0.0.1");
        AssertNothing(mesh.X);

        // From X through the tunnel: the answer goes back to X, encrypted.
        byte[] fromX = NatTestPackets.Udp("10.0.0.2", 1000, "192.168.1.9", 2000);
        AssertAdminProhibited(Send(mesh.X, mesh.X, fromX), from: "192.168.1.9", to: "10.0.0.2");
        AssertNothing(mesh.R);
        Assert.Equal(2UL, Counter(mesh.R.Device.GetRouterStatus(0), DeviceDrop.PolicyReject));
    }

    [Fact]
    public void One_peers_flood_of_rejected_packets_does_not_use_up_the_answers_of_another()
    {
        // On a clock that stands still, no bucket refills: X's flood empties its own bucket (burst 20), and only that.
        using var mesh = new RouterMesh(XRoutes, YRoutes, new ManualClock());
        mesh.R.Device.SetRouterConfiguration(Config(
            Rule("192.168.1.0/24", RouterRuleAction.Reject, input: mesh.X.PublicKey),
            Rule("192.168.1.0/24", RouterRuleAction.Reject, input: mesh.Y.PublicKey),
            Rule("10.2.0.0/16", RouterRuleAction.Reject, protocol: IpProtocol.Udp)));
        Send(mesh.X, mesh.X, NatTestPackets.Udp("10.0.0.2", 1, "192.168.1.9", 2000));
        Send(mesh.Y, mesh.Y, NatTestPackets.Udp("10.0.0.3", 1, "192.168.1.9", 2000));

        using var stop = new CancellationTokenSource();
        var flood = new Thread(() =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                mesh.X.Tun.InjectPacket(NatTestPackets.Udp("10.0.0.2", (ushort)(1000 + (i % 50000)), "192.168.1.9", 2000));
                if (i % 20 == 0)
                {
                    Thread.Sleep(5);
                }
            }
        });
        flood.Start();
        try
        {
            for (int i = 0; i < 5; i++)
            {
                AssertAdminProhibited(Send(mesh.Y, mesh.Y, NatTestPackets.Udp("10.0.0.3", (ushort)(2 + i), "192.168.1.9", 2000)), from: "192.168.1.9", to: "10.0.0.3");
                Thread.Sleep(50);
            }
        }
        finally
        {
            stop.Cancel();
            flood.Join();
        }

        int answersToX = 0;
        while (mesh.X.Tun.TryTakeWritten(out _, Quiet))
        {
            answersToX++;
        }

        Assert.Equal(19, answersToX); // the first was taken above
        // The local side has its own bucket too.
        AssertAdminProhibited(Send(mesh.R, mesh.R, NatTestPackets.Udp("10.0.0.1", 1000, "10.2.0.5", 2000)), from: "10.2.0.5", to: "10.0.0.1");
    }

    [Fact]
    public void ToPeer_rule_overrides_allowed_ips()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(Config(Rule("10.2.9.0/24", peer: mesh.Y.PublicKey)));

        Assert.Equal("10.2.9.9", NatTestPackets.DestinationOf(Send(mesh.R, mesh.Y, NatTestPackets.Udp("10.0.0.1", 1, "10.2.9.9", 2))));
        Assert.Equal("10.2.8.8", NatTestPackets.DestinationOf(Send(mesh.R, mesh.X, NatTestPackets.Udp("10.0.0.1", 1, "10.2.8.8", 2))));
        AssertNothing(mesh.Y);
    }

    [Fact]
    public void Rule_naming_a_key_that_is_not_a_peer_matches_once_the_peer_is_added()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes, addY: false);
        mesh.R.Device.SetRouterConfiguration(Config(Rule("10.2.9.0/24", peer: mesh.Y.PublicKey)));
        Send(mesh.R, mesh.X, NatTestPackets.Udp("10.0.0.1", 1, "10.2.9.9", 2)); // no such peer yet: AllowedIPs decide

        RouterMesh.Configure(mesh.R, mesh.Y, YRoutes);
        Send(mesh.R, mesh.Y, NatTestPackets.Udp("10.0.0.1", 1, "10.2.9.9", 2));
        AssertNothing(mesh.X);
    }

    [Fact]
    public void Masquerade_rewrites_the_source_and_replies_are_translated_back()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(Config(Rule("10.2.0.0/16", masquerade: true)));

        byte[] arrived = Send(mesh.R, mesh.X, NatTestPackets.Tcp("192.168.5.10", 40000, "10.2.0.5", 443));
        Assert.Equal("10.0.0.1", NatTestPackets.SourceOf(arrived));
        Assert.Equal(40000, NatTestPackets.SourcePortOf(arrived));
        NatTestPackets.AssertChecksums(arrived);

        byte[] reply = Send(mesh.X, mesh.R, NatTestPackets.Tcp("10.2.0.5", 443, "10.0.0.1", 40000, NatTestPackets.SynAck));
        Assert.Equal("192.168.5.10", NatTestPackets.DestinationOf(reply));
        Assert.Equal(40000, NatTestPackets.DestinationPortOf(reply));
        NatTestPackets.AssertChecksums(reply);

        TrackedFlow flow = Assert.Single(mesh.R.Device.GetRouterStatus(10).Flows);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.168.5.10"), 40000), OriginalSource(flow));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 40000), ReplyDestination(flow));
        Assert.Equal(mesh.X.PublicKey, flow.Peer);
        Assert.Equal(TcpConnectionState.SynRecv, flow.Flow.TcpState);
    }

    [Fact]
    public void Masquerade_without_an_address_of_the_family_drops_and_counts()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(new RouterConfiguration { Rules = [Rule("10.2.0.0/16", masquerade: true)] });
        Assert.True(mesh.R.Tun.InjectPacket(NatTestPackets.Udp("192.168.5.10", 1, "10.2.0.5", 2)));
        AssertNothing(mesh.X);
        Assert.Equal(1UL, Counter(mesh.R.Device.GetRouterStatus(0), DeviceDrop.NoMasqueradeAddress));
    }

    [Fact]
    public void Relay_from_peer_to_peer_with_masquerade_never_touches_the_tun_and_replies_come_back()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(Config(Rule("10.3.0.0/16", input: mesh.X.PublicKey, masquerade: true)));

        byte[] relayed = Send(mesh.X, mesh.Y, NatTestPackets.Udp("10.0.0.2", 5000, "10.3.0.7", 53));
        Assert.Equal("10.0.0.1", NatTestPackets.SourceOf(relayed));
        NatTestPackets.AssertChecksums(relayed);

        byte[] reply = Send(mesh.Y, mesh.X, NatTestPackets.Udp("10.3.0.7", 53, "10.0.0.1", 5000));
        Assert.Equal("10.0.0.2", NatTestPackets.DestinationOf(reply));
        Assert.Equal("10.3.0.7", NatTestPackets.SourceOf(reply));
        NatTestPackets.AssertChecksums(reply);

        // Second round trip on the same flow: one flow, translated once per hop.
        Assert.Equal("10.0.0.1", NatTestPackets.SourceOf(Send(mesh.X, mesh.Y, NatTestPackets.Udp("10.0.0.2", 5000, "10.3.0.7", 53))));
        Assert.Equal("10.0.0.2", NatTestPackets.DestinationOf(Send(mesh.Y, mesh.X, NatTestPackets.Udp("10.3.0.7", 53, "10.0.0.1", 5000))));
        AssertNothing(mesh.R);
        RouterStatus snapshot = mesh.R.Device.GetRouterStatus(10);
        TrackedFlow flow = Assert.Single(snapshot.Flows);
        Assert.Equal(mesh.Y.PublicKey, flow.Peer);
        Assert.Equal(1UL, snapshot.Rules[0].Packets); // the rule decided the flow; its later packets follow it
    }

    [Fact]
    public void Relay_without_masquerade_sends_replies_back_to_the_first_peer_even_if_it_is_established_only()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(With(
            Config(Rule("10.3.0.0/16", input: mesh.X.PublicKey, peer: mesh.Y.PublicKey)),
            peers: [new RouterPeerOptions(mesh.Y.PublicKey, "ystore", InboundEstablishedOnly: true, RoutesWhenUp: false)]));

        byte[] relayed = Send(mesh.X, mesh.Y, NatTestPackets.Echo("10.0.0.2", "10.3.0.7", 77));
        Assert.Equal("10.0.0.2", NatTestPackets.SourceOf(relayed));
        byte[] reply = Send(mesh.Y, mesh.X, NatTestPackets.Echo("10.3.0.7", "10.0.0.2", 77, reply: true));
        Assert.Equal("10.3.0.7", NatTestPackets.SourceOf(reply));

        // Y may not open anything towards X: it is established-only.
        Assert.True(mesh.Y.Tun.InjectPacket(NatTestPackets.Echo("10.3.0.7", "10.0.0.2", 78)));
        AssertNothing(mesh.X);
        AssertNothing(mesh.R);
        RouterStatus status = mesh.R.Device.GetRouterStatus(0);
        Assert.Equal("ystore", status.PeerNames[status.Rules[0].Rule.Peer!.Value]);
    }

    [Fact]
    public void Icmp_errors_from_an_established_only_peer_reach_only_the_sender_of_the_quoted_packet()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(With(
            Config(Rule("10.3.0.0/16", input: mesh.X.PublicKey, peer: mesh.Y.PublicKey)),
            peers: [new RouterPeerOptions(mesh.Y.PublicKey, "y", InboundEstablishedOnly: true, RoutesWhenUp: false)]));

        // Relayed: X's host pings behind Y; Y quotes the ping in errors to another host behind X, then to the sender.
        byte[] ping = Send(mesh.X, mesh.Y, NatTestPackets.Echo("10.0.0.2", "10.3.0.7", 77));
        Assert.True(mesh.Y.Tun.InjectPacket(TimeExceeded("10.3.0.1", "10.2.0.5", ping)));
        AssertNothing(mesh.X);
        byte[] error = Send(mesh.Y, mesh.X, TimeExceeded("10.3.0.1", "10.0.0.2", ping));
        Assert.Equal(ping[..28], error[28..56]);

        // Local: R's own flow to Y; an error about it may not be aimed at another address on R's side.
        byte[] query = Send(mesh.R, mesh.Y, NatTestPackets.Udp("10.0.0.1", 1000, "10.3.0.7", 53));
        Assert.True(mesh.Y.Tun.InjectPacket(TimeExceeded("10.3.0.1", "192.168.5.10", query)));
        Assert.True(mesh.Y.Tun.InjectPacket(TimeExceeded("10.3.0.1", "10.0.0.9", query)));
        AssertNothing(mesh.R);
        Assert.Equal(3UL, Counter(mesh.R.Device.GetRouterStatus(0), NatDrop.IcmpErrorMisdirected));
        Send(mesh.Y, mesh.R, TimeExceeded("10.3.0.1", "10.0.0.1", query));
    }

    private static byte[] TimeExceeded(string source, string destination, byte[] quoted) =>
        TestPackets.Ipv4(IpProtocol.Icmp, NatTestPackets.Bytes(source), NatTestPackets.Bytes(destination),
            TestPackets.Icmp(IcmpTypes.V4.TimeExceeded, 0, 0, quoted[..Math.Min(quoted.Length, 28)]));

    [Fact]
    public void A_peer_at_its_conntrack_share_is_refused_while_others_still_open_flows()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(new RouterConfiguration
        {
            InterfaceAddresses = [IPAddress.Parse("10.0.0.1")],
            Forwards = [new RouterForward(IpProtocol.Tcp, new PortRange(8080, 8080), IPAddress.Parse("192.168.5.10"), 80)],
            ConntrackPerPeer = new RouterFlowShare(2, IsPercent: false),
        });

        for (ushort port = 1; port <= 2; port++)
        {
            // Answered, so assured: the share cannot be made room in.
            Send(mesh.X, mesh.R, NatTestPackets.Udp("10.0.0.2", port, "10.0.0.1", 53));
            Send(mesh.R, mesh.X, NatTestPackets.Udp("10.0.0.1", 53, "10.0.0.2", port));
        }

        Assert.True(mesh.X.Tun.InjectPacket(NatTestPackets.Udp("10.0.0.2", 3, "10.0.0.1", 53)));
        AssertNothing(mesh.R);
        Send(mesh.Y, mesh.R, NatTestPackets.Udp("10.0.0.3", 3, "10.0.0.1", 53));
        Send(mesh.R, mesh.X, NatTestPackets.Udp("10.0.0.1", 3, "10.0.0.2", 53));
        RouterStatus snapshot = mesh.R.Device.GetRouterStatus(0);
        Assert.Equal(1UL, Counter(snapshot, NatDrop.ShareExceeded));
        Assert.Equal(1UL, (ulong)snapshot.Counters.ConntrackRefusedShare);
        Assert.Equal(4, snapshot.FlowCount);
    }

    [Fact]
    public void Inbound_established_blocks_new_flows_from_the_peer_but_passes_replies()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(new RouterConfiguration
        {
            Peers = [new RouterPeerOptions(mesh.X.PublicKey, "x", InboundEstablishedOnly: true, RoutesWhenUp: false)],
        });

        Send(mesh.R, mesh.X, NatTestPackets.Udp("10.0.0.1", 1000, "10.0.0.2", 2000));
        Assert.True(mesh.X.Tun.InjectPacket(NatTestPackets.Udp("10.0.0.2", 3000, "10.0.0.1", 4000)));
        AssertNothing(mesh.R);

        byte[] reply = Send(mesh.X, mesh.R, NatTestPackets.Udp("10.0.0.2", 2000, "10.0.0.1", 1000));
        Assert.Equal(1000, NatTestPackets.DestinationPortOf(reply));
        Assert.Equal(1UL, Counter(mesh.R.Device.GetRouterStatus(0), NatDrop.NotEstablished));
    }

    [Fact]
    public void Port_forward_reaches_the_target_and_its_replies_go_back_translated()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(new RouterConfiguration
        {
            InterfaceAddresses = [IPAddress.Parse("10.0.0.1")],
            Forwards = [new RouterForward(IpProtocol.Tcp, new PortRange(8080, 8080), IPAddress.Parse("192.168.5.10"), 80)],
        });

        byte[] forwarded = Send(mesh.X, mesh.R, NatTestPackets.Tcp("10.0.0.2", 40000, "10.0.0.1", 8080));
        Assert.Equal("192.168.5.10", NatTestPackets.DestinationOf(forwarded));
        Assert.Equal(80, NatTestPackets.DestinationPortOf(forwarded));
        NatTestPackets.AssertChecksums(forwarded);

        byte[] reply = Send(mesh.R, mesh.X, NatTestPackets.Tcp("192.168.5.10", 80, "10.0.0.2", 40000, NatTestPackets.SynAck));
        Assert.Equal("10.0.0.1", NatTestPackets.SourceOf(reply));
        Assert.Equal(8080, NatTestPackets.SourcePortOf(reply));
        NatTestPackets.AssertChecksums(reply);
    }

    [Fact]
    public void Mss_is_clamped_on_syn_and_syn_ack_in_both_directions()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(new RouterConfiguration { MssClamp = 1200 });
        byte[] mss1460 = [2, 4, 0x05, 0xB4];

        byte[] syn = Send(mesh.R, mesh.X, NatTestPackets.Tcp("10.0.0.1", 40000, "10.0.0.2", 80, options: mss1460));
        Assert.Equal(1200, Mss(syn));
        NatTestPackets.AssertChecksums(syn);

        byte[] synAck = Send(mesh.X, mesh.R, NatTestPackets.Tcp("10.0.0.2", 80, "10.0.0.1", 40000, NatTestPackets.SynAck, options: mss1460));
        Assert.Equal(1200, Mss(synAck));
        NatTestPackets.AssertChecksums(synAck);

        // Auto: the TUN MTU (1420) minus 40.
        mesh.R.Device.SetRouterConfiguration(new RouterConfiguration { MssClamp = RouterConfiguration.MssClampAuto });
        Assert.Equal(1380, Mss(Send(mesh.R, mesh.X, NatTestPackets.Tcp("10.0.0.1", 40001, "10.0.0.2", 80, options: mss1460))));
        // Only lowering.
        Assert.Equal(1000, Mss(Send(mesh.X, mesh.R, NatTestPackets.Tcp("10.0.0.2", 81, "10.0.0.1", 40001, options: [2, 4, 0x03, 0xE8]))));
    }

    [Fact]
    public void Invalid_configuration_is_refused_and_applies_nothing()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        RouterConfiguration good = Config(Rule("10.2.0.0/16", RouterRuleAction.Drop));
        mesh.R.Device.SetRouterConfiguration(good);

        RouterConfiguration[] bad =
        [
            Config(Rule("10.2.0.0/16", RouterRuleAction.Drop, masquerade: true)),
            Config(Rule("10.2.0.0/16", RouterRuleAction.Reject, peer: mesh.Y.PublicKey)),
            Config(Rule(null, (RouterRuleAction)42)),
            Config(Rule(null, RouterRuleAction.SetMark)),
            Config(Rule(null) with { Port = new PortRange(80, 80) }),
            Config(Rule(null) with { Protocol = IpProtocol.Tcp, Port = new PortRange(90, 80) }),
            Config(Rule(null) with { Mark = new Mark(0x300, 0xff) }),
            new RouterConfiguration { MssClamp = 100 },
            new RouterConfiguration { MssClamp = -7 },
            new RouterConfiguration { InterfaceAddresses = [IPAddress.Parse("10.0.0.1")], Forwards = [new RouterForward(1, new PortRange(80, 80), IPAddress.Parse("192.168.0.1"), null)] },
            new RouterConfiguration { Forwards = [new RouterForward(IpProtocol.Tcp, new PortRange(80, 80), IPAddress.Parse("192.168.0.1"), null)] },
            new RouterConfiguration { InterfaceAddresses = [IPAddress.Parse("10.0.0.1")], Forwards = [new RouterForward(IpProtocol.Udp, new PortRange(80, 90), IPAddress.Parse("192.168.0.1"), 70)] },
            new RouterConfiguration { InterfaceAddresses = [IPAddress.Parse("10.0.0.1")], Forwards = [new RouterForward(IpProtocol.Udp, new PortRange(1, 5000), IPAddress.Parse("192.168.0.1"), null)] },
            new RouterConfiguration { Peers = [new(mesh.X.PublicKey, "a", false, false), new(mesh.X.PublicKey, "b", false, false)] },
        ];
        foreach (RouterConfiguration configuration in bad)
        {
            var error = Assert.Throws<ConfigurationException>(() => mesh.R.Device.SetRouterConfiguration(configuration));
            Assert.Equal(ConfigurationErrno.InvalidArgument, error.Errno);
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
        }

        Assert.Same(good, mesh.R.Device.RouterConfiguration);
        Send(mesh.R, mesh.X, NatTestPackets.Udp("10.0.0.1", 1000, "10.0.0.2", 2000));
        Assert.True(mesh.R.Tun.InjectPacket(NatTestPackets.Udp("10.0.0.1", 1000, "10.2.0.5", 2000)));
        AssertNothing(mesh.X);
    }

    [Fact]
    public void Hostile_packets_are_counted_not_crashing_both_ways()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(With(Config(Rule("10.2.0.0/16", masquerade: true), Rule("10.0.0.0/8")), mss: 1200));
        Send(mesh.R, mesh.X, NatTestPackets.Udp("10.0.0.1", 1000, "10.0.0.2", 2000));

        var random = new Random(5);
        for (int i = 0; i < 300; i++)
        {
            byte[] packet = NatTestPackets.Tcp("192.168.5.10", 40000, "10.2.0.5", 443, options: [2, 4, 5, 0xB4]);
            // Corrupt a few bytes after the addresses (header lengths, flags, options) and sometimes cut the packet.
            for (int k = 0; k < 3; k++)
            {
                packet[random.Next(20, packet.Length)] = (byte)random.Next(256);
            }

            if (random.Next(3) == 0)
            {
                packet[0] = (byte)(0x40 | random.Next(16));
            }

            Assert.True(mesh.R.Tun.InjectPacket(packet.AsSpan(0, random.Next(1, packet.Length + 1))));

            // From X's side (its source passes R's AllowedIPs check, so R's router stage sees it).
            byte[] inbound = NatTestPackets.Tcp("10.0.0.2", 40000, "10.0.0.1", 443, options: [2, 4, 5, 0xB4]);
            for (int k = 0; k < 3; k++)
            {
                inbound[random.Next(20, inbound.Length)] = (byte)random.Next(256);
            }

            mesh.X.Tun.InjectPacket(inbound.AsSpan(0, random.Next(20, inbound.Length + 1)));
        }

        // Drain whatever made it through, then check both devices still forward.
        while (mesh.X.Tun.TryTakeWritten(out _, TimeSpan.FromMilliseconds(200)) || mesh.R.Tun.TryTakeWritten(out _, TimeSpan.FromMilliseconds(200)))
        {
        }

        Assert.Equal("10.0.0.1", NatTestPackets.SourceOf(Send(mesh.R, mesh.X, NatTestPackets.Udp("192.168.5.10", 7, "10.2.0.5", 8))));
        Send(mesh.X, mesh.R, NatTestPackets.Udp("10.0.0.2", 7, "10.0.0.1", 8));
        RouterStatus snapshot = mesh.R.Device.GetRouterStatus(0);
        Assert.True(Counter(snapshot, DeviceDrop.InvalidPacket) + Counter(snapshot, DeviceDrop.NatDrop) > 0);
        Assert.Null(mesh.R.Device.StopReason);
    }

    [Fact]
    public void Empty_configuration_restores_plain_wireguard_behaviour()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        // A first fragment with 8 bytes of a TCP header: plain WireGuard forwards it, conntrack refuses it (RFC 1858).
        byte[] fragment = TestPackets.Ipv4(IpProtocol.Tcp, NatTestPackets.Bytes("10.0.0.1"), NatTestPackets.Bytes("10.0.0.2"),
            NatTestPackets.Tcp("10.0.0.1", 1, "10.0.0.2", 2)[20..28], flagsAndOffset: 0x2000);

        Assert.Equal(fragment, Send(mesh.R, mesh.X, fragment));
        Assert.False(mesh.R.Device.HasRouterStage);

        // Conntrack (here for Inbound = established) drops tiny fragments; an empty configuration takes it away again.
        mesh.R.Device.SetRouterConfiguration(With(
            Config(Rule("10.2.0.0/16", RouterRuleAction.Drop)),
            peers: [new RouterPeerOptions(mesh.Y.PublicKey, null, InboundEstablishedOnly: true, RoutesWhenUp: false)]));
        Assert.True(mesh.R.Device.HasRouterStage);
        Assert.True(mesh.R.Tun.InjectPacket(fragment));
        AssertNothing(mesh.X);

        mesh.R.Device.SetRouterConfiguration(RouterConfiguration.Empty);
        Assert.False(mesh.R.Device.HasRouterStage);
        Assert.Equal(fragment, Send(mesh.R, mesh.X, fragment));
        Assert.Equal("10.2.0.5", NatTestPackets.DestinationOf(Send(mesh.R, mesh.X, NatTestPackets.Udp("10.0.0.1", 1, "10.2.0.5", 2))));
        // Names alone change nothing on the data path either.
        mesh.R.Device.SetRouterConfiguration(new RouterConfiguration { Peers = [new RouterPeerOptions(mesh.X.PublicKey, "x", false, false)] });
        Assert.False(mesh.R.Device.HasRouterStage);
    }

    private static int Mss(byte[] packet)
    {
        Assert.True(PacketSummaryOf(packet, out int transport));
        return BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(transport + 22));
    }

    private static bool PacketSummaryOf(byte[] packet, out int transport)
    {
        bool parsed = WgSharp.Router.Policy.PacketSummary.TryParse(packet, out WgSharp.Router.Policy.PacketSummary summary);
        transport = summary.TransportOffset;
        return parsed && packet[transport + 20] == 2 && packet[transport + 21] == 4;
    }

    private static void AssertAdminProhibited(byte[] packet, string from, string to)
    {
        Assert.Equal(IpProtocol.Icmp, packet[9]);
        Assert.Equal(from, new IPAddress(packet.AsSpan(12, 4)).ToString());
        Assert.Equal(to, new IPAddress(packet.AsSpan(16, 4)).ToString());
        int icmp = (packet[0] & 0x0F) * 4;
        Assert.Equal(3, packet[icmp]);
        Assert.Equal(13, packet[icmp + 1]);
        NatTestPackets.AssertChecksums(packet);
    }
}
