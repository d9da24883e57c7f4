// Rules decide flows: while conntrack runs, a flow's later packets and the ICMP errors about it follow the
// decision its first packet got (its NAT, its peer) and are not judged by rules written for new traffic;
// `State` selects per state; invalid packets are dropped and counted unless a rule selects them.
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

public class StatefulRuleTests
{
    // X is "site B" (10.2.0.0/16 behind it); R's local side has green 192.168.1.0/24 and blue 192.168.2.0/24.
    private static readonly string[] XRoutes = ["10.0.0.2/32", "10.2.0.0/16"];
    private static readonly string[] YRoutes = ["10.0.0.3/32", "10.3.0.0/16"];

    private static RouterRule Rule(
        string? to = null, RouterRuleAction action = RouterRuleAction.Route, PublicKey? peer = null, bool masquerade = false,
        PublicKey? input = null, string? from = null, RouterRuleStates state = RouterRuleStates.None, byte? protocol = null) => new()
    {
        To = to is null ? [] : [new PrefixSelector(IPNetwork.Parse(to), false)],
        From = from is null ? [] : [new PrefixSelector(IPNetwork.Parse(from), false)],
        Action = action,
        Peer = peer,
        Masquerade = masquerade,
        Input = input,
        State = state,
        Protocol = protocol,
    };

    private static RouterConfiguration Config(params RouterRule[] rules) => new()
    {
        Rules = rules,
        InterfaceAddresses = [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("fd00::1")],
    };

    // The IPFire WGBLOCK/WGNAT translation: site B may reach green only; the local side's traffic into site B is masqueraded.
    private static RouterConfiguration IpFire(RouterMesh mesh) => Config(
        Rule("192.168.1.0/24", RouterRuleAction.Accept, input: mesh.X.PublicKey),
        Rule(action: RouterRuleAction.Reject, input: mesh.X.PublicKey),
        Rule("10.2.0.0/16", from: "192.168.0.0/16", peer: mesh.X.PublicKey, masquerade: true));

    [Fact]
    public void Replies_to_a_masqueraded_flow_pass_a_reject_rule_for_new_traffic_from_that_peer()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(IpFire(mesh));

        foreach (string lan in (string[])["192.168.1.10", "192.168.2.10"])
        {
            byte[] syn = Send(mesh.R, mesh.X, NatTestPackets.Tcp(lan, 40000, "10.2.0.5", 22));
            Assert.Equal("10.0.0.1", NatTestPackets.SourceOf(syn));

            byte[] synAck = Send(mesh.X, mesh.R, NatTestPackets.Tcp("10.2.0.5", 22, "10.0.0.1", NatTestPackets.SourcePortOf(syn), NatTestPackets.SynAck));
            Assert.Equal(lan, NatTestPackets.DestinationOf(synAck));
            NatTestPackets.AssertChecksums(synAck);

            // The ACK follows the flow (masqueraded, to X) though the masquerade rule selects new flows only.
            Assert.Equal("10.0.0.1", NatTestPackets.SourceOf(Send(mesh.R, mesh.X, NatTestPackets.Tcp(lan, 40000, "10.2.0.5", 22, NatTestPackets.Ack))));
            Assert.Equal(lan, NatTestPackets.DestinationOf(Send(mesh.X, mesh.R, NatTestPackets.Tcp("10.2.0.5", 22, "10.0.0.1", NatTestPackets.SourcePortOf(syn), NatTestPackets.PshAck, payload: 10))));
        }

        RouterStatus snapshot = mesh.R.Device.GetRouterStatus(10);
        Assert.Equal(0UL, Counter(snapshot, DeviceDrop.PolicyReject));
        Assert.Equal(0UL, snapshot.Rules[1].Packets);
        Assert.Equal(2UL, snapshot.Rules[2].Packets); // one SYN per flow: the rule decided each flow once
        Assert.All(snapshot.Flows, f => Assert.Equal(TcpConnectionState.Established, f.Flow.TcpState));
    }

    [Fact]
    public void A_peer_reaches_the_subnet_it_may_and_is_refused_elsewhere_with_admin_prohibited()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(IpFire(mesh));

        byte[] toGreen = Send(mesh.X, mesh.R, NatTestPackets.Tcp("10.2.0.5", 50000, "192.168.1.10", 22));
        Assert.Equal("192.168.1.10", NatTestPackets.DestinationOf(toGreen));
        byte[] synAck = Send(mesh.R, mesh.X, NatTestPackets.Tcp("192.168.1.10", 22, "10.2.0.5", 50000, NatTestPackets.SynAck));
        Assert.Equal("192.168.1.10", NatTestPackets.SourceOf(synAck)); // a reply: not masqueraded by the rule for new flows

        byte[] answer = Send(mesh.X, mesh.X, NatTestPackets.Tcp("10.2.0.5", 50001, "192.168.2.10", 22));
        Assert.Equal(IpProtocol.Icmp, answer[9]);
        Assert.Equal("192.168.2.10", new IPAddress(answer.AsSpan(12, 4)).ToString());
        Assert.Equal((3, 13), (answer[20], answer[21]));
        AssertNothing(mesh.R);
        Assert.Equal(1UL, Counter(mesh.R.Device.GetRouterStatus(0), DeviceDrop.PolicyReject));
    }

    [Fact]
    public void Icmp_errors_about_a_flow_are_related_and_pass_a_reject_rule()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(IpFire(mesh));

        byte[] query = Send(mesh.R, mesh.X, NatTestPackets.Udp("192.168.2.10", 5353, "10.2.0.5", 53));
        byte[] error = Send(mesh.X, mesh.R, TimeExceeded("10.2.0.1", "10.0.0.1", query));
        Assert.Equal("192.168.2.10", new IPAddress(error.AsSpan(16, 4)).ToString());
        NatTestPackets.AssertChecksums(error);
        Assert.Equal(0UL, Counter(mesh.R.Device.GetRouterStatus(0), DeviceDrop.PolicyReject));
    }

    [Fact]
    public void Invalid_packets_are_dropped_and_counted_unless_a_rule_selects_them()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(IpFire(mesh));
        Send(mesh.X, mesh.R, NatTestPackets.Udp("10.2.0.5", 1000, "192.168.1.10", 2000)); // handshake done, path works

        // A SYN-ACK for no flow, to the subnet X may reach: invalid, so the accept rule (new flows) never sees it. (A
        // mid-stream ACK would be picked up as a new flow, as Linux does with nf_conntrack_tcp_loose.)
        Assert.True(mesh.X.Tun.InjectPacket(NatTestPackets.Tcp("10.2.0.5", 50000, "192.168.1.10", 22, NatTestPackets.SynAck)));
        AssertNothing(mesh.R);
        RouterStatus snapshot = mesh.R.Device.GetRouterStatus(0);
        Assert.Equal(1UL, Counter(snapshot, NatDrop.TcpWithoutFlow));
        Assert.Equal(1UL, snapshot.Rules[0].Packets); // the warm-up datagram only

        // A rule selecting invalid packets decides them: here, rejected with an answer.
        mesh.R.Device.SetRouterConfiguration(Config(
            Rule(action: RouterRuleAction.Reject, input: mesh.X.PublicKey, state: RouterRuleStates.Invalid),
            Rule("192.168.1.0/24", RouterRuleAction.Accept, input: mesh.X.PublicKey)));
        byte[] answer = Send(mesh.X, mesh.X, NatTestPackets.Tcp("10.2.0.5", 50000, "192.168.1.10", 22, NatTestPackets.SynAck));
        Assert.Equal((3, 13), (answer[20], answer[21]));
        Assert.Equal(1UL, mesh.R.Device.GetRouterStatus(0).Rules[0].Packets);

        // ... or accepted: it goes to the TUN untranslated.
        mesh.R.Device.SetRouterConfiguration(Config(
            Rule(action: RouterRuleAction.Accept, input: mesh.X.PublicKey, state: RouterRuleStates.Invalid)));
        byte[] accepted = Send(mesh.X, mesh.R, NatTestPackets.Tcp("10.2.0.5", 50000, "192.168.1.10", 22, NatTestPackets.SynAck));
        Assert.Equal("192.168.1.10", NatTestPackets.DestinationOf(accepted));
    }

    [Fact]
    public void A_rule_naming_established_decides_replies_and_one_without_leaves_them_alone()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        RouterRule masquerade = Rule("10.2.0.0/16", peer: mesh.X.PublicKey, masquerade: true);
        mesh.R.Device.SetRouterConfiguration(Config(
            Rule(action: RouterRuleAction.Drop, input: mesh.X.PublicKey, protocol: IpProtocol.Udp, state: RouterRuleStates.Established | RouterRuleStates.New),
            masquerade));

        byte[] query = Send(mesh.R, mesh.X, NatTestPackets.Udp("192.168.2.10", 5353, "10.2.0.5", 53));
        Assert.True(mesh.X.Tun.InjectPacket(NatTestPackets.Udp("10.2.0.5", 53, "10.0.0.1", NatTestPackets.SourcePortOf(query))));
        AssertNothing(mesh.R);
        Assert.Equal(1UL, mesh.R.Device.GetRouterStatus(0).Rules[0].Packets);

        // The same rule for new flows only: the reply passes.
        mesh.R.Device.SetRouterConfiguration(Config(
            Rule(action: RouterRuleAction.Drop, input: mesh.X.PublicKey, protocol: IpProtocol.Udp), masquerade));
        Assert.Equal("192.168.2.10", NatTestPackets.DestinationOf(
            Send(mesh.X, mesh.R, NatTestPackets.Udp("10.2.0.5", 53, "10.0.0.1", NatTestPackets.SourcePortOf(query)))));
    }

    [Fact]
    public void A_relayed_flow_goes_on_when_the_rules_change_to_refuse_new_ones()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(Config(Rule("10.3.0.0/16", input: mesh.X.PublicKey, peer: mesh.Y.PublicKey, masquerade: true)));
        byte[] first = Send(mesh.X, mesh.Y, NatTestPackets.Udp("10.0.0.2", 5000, "10.3.0.7", 53));
        Assert.Equal("10.0.0.1", NatTestPackets.SourceOf(first));

        // Now X may open nothing towards Y's side; the flow decided before keeps its peer and its translation.
        mesh.R.Device.SetRouterConfiguration(Config(Rule("10.3.0.0/16", RouterRuleAction.Drop, input: mesh.X.PublicKey)));
        Assert.Equal("10.0.0.2", NatTestPackets.DestinationOf(Send(mesh.Y, mesh.X, NatTestPackets.Udp("10.3.0.7", 53, "10.0.0.1", NatTestPackets.SourcePortOf(first)))));
        Assert.Equal("10.0.0.1", NatTestPackets.SourceOf(Send(mesh.X, mesh.Y, NatTestPackets.Udp("10.0.0.2", 5000, "10.3.0.7", 53))));
        Assert.True(mesh.X.Tun.InjectPacket(NatTestPackets.Udp("10.0.0.2", 5001, "10.3.0.7", 53)));
        AssertNothing(mesh.Y);
        Assert.Equal(1UL, Counter(mesh.R.Device.GetRouterStatus(0), DeviceDrop.PolicyDrop));
    }

    [Fact]
    public void A_state_beyond_new_with_a_route_is_refused()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        Assert.Throws<ConfigurationException>(() => mesh.R.Device.SetRouterConfiguration(Config(
            Rule("10.2.0.0/16", peer: mesh.X.PublicKey, state: RouterRuleStates.Established))));
        Assert.Empty(mesh.R.Device.RouterConfiguration.Rules);
    }

    private static byte[] TimeExceeded(string source, string destination, byte[] quoted) =>
        TestPackets.Ipv4(IpProtocol.Icmp, NatTestPackets.Bytes(source), NatTestPackets.Bytes(destination),
            TestPackets.Icmp(IcmpTypes.V4.TimeExceeded, 0, 0, quoted[..28]));
}
