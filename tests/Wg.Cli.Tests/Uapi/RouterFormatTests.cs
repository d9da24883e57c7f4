// The line format of the wgsharp UAPI extension: the exact text of a sample, round trips of random
// configurations and snapshots (FsCheck), and hostile or mistaken requests refused with the right errno.
using System.Text;
using FsCheck.Fluent;
using WgSharp.Cli.Tests.Show;
using WgSharp.Cli.Tests.Support;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Tests.Uapi;

public class RouterFormatTests
{
    private static string Hex(int seed) => TestKeys.Public(seed).ToHex();

    private static string Write(RouterConfiguration configuration)
    {
        var text = new StringBuilder();
        RouterConfigurationWriter.Write(configuration, text);
        return text.ToString();
    }

    private static string Write(RouterSnapshot snapshot)
    {
        var text = new StringBuilder();
        RouterSnapshotWriter.Write(snapshot, text);
        return text.ToString();
    }

    private static RouterSnapshot ParseSnapshot(string text)
    {
        var parser = new RouterSnapshotParser();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            parser.AddLine(line);
        }

        return parser.Finish();
    }

    [Fact]
    public void Sample_configuration_text()
    {
        Assert.Equal($"""
            version=1
            mss_clamp=auto
            conntrack_per_peer=10%
            relay=userspace
            when_up_table=51820
            address=10.5.0.2
            address=fd05::2
            public_key={Hex(1)}
            name=nord
            inbound=established
            routes=always
            public_key={Hex(2)}
            inbound=any
            routes=when-up
            rule=12
            priority=100
            from=192.168.2.0/24
            from=!192.168.2.1/32
            to=0.0.0.0/0
            protocol=6
            port=25-25
            source_port=1024-65535
            input={Hex(2)}
            mark=0x200/0xff00
            peer={Hex(1)}
            action=route
            masquerade=true
            rule=20
            action=set_mark
            set_mark=0x7/0xffffffff
            rule=23
            to=!fd00::/8
            protocol=58
            state=established,invalid
            action=reject
            forward=30
            protocol=6
            port=8080-8080
            to=192.168.2.10
            to_port=80
            forward=34
            protocol=17
            port=5000-5010
            to=fd05::10

            """, Write(RouterSamples.Full));
    }

    [Fact]
    public void Sample_configuration_reads_back_field_by_field()
    {
        RouterConfiguration parsed = RouterConfigurationParser.Parse(Write(RouterSamples.Full));
        RouterConfiguration expected = RouterSamples.Full;
        Assert.Equal(expected.Peers, parsed.Peers);
        Assert.Equal(expected.MssClamp, parsed.MssClamp);
        Assert.Equal(expected.ConntrackPerPeer, parsed.ConntrackPerPeer);
        Assert.Equal(expected.Relay, parsed.Relay);
        Assert.Equal(expected.WhenUpRouteTable, parsed.WhenUpRouteTable);
        Assert.Equal(expected.InterfaceAddresses, parsed.InterfaceAddresses);
        Assert.Equal(expected.Forwards, parsed.Forwards);
        Assert.Equal(expected.Rules.Count, parsed.Rules.Count);
        for (int i = 0; i < expected.Rules.Count; i++)
        {
            RouterRule e = expected.Rules[i], p = parsed.Rules[i];
            Assert.Equal(e.From, p.From);
            Assert.Equal(e.To, p.To);
            Assert.Equal(e with { From = p.From, To = p.To }, p);
        }
    }

    [Fact]
    public void Empty_configuration_is_two_lines()
    {
        Assert.Equal("version=1\nmss_clamp=off\n", Write(RouterConfiguration.Empty));
        RouterConfiguration parsed = RouterConfigurationParser.Parse("version=1\n");
        Assert.Empty(parsed.Rules);
        Assert.Equal(0, parsed.MssClamp);
        Assert.Null(parsed.ConntrackPerPeer);
        Assert.Equal(RouterRelay.Kernel, parsed.Relay);
        Assert.Equal(RouterRelay.Kernel, RouterConfigurationParser.Parse("version=1\nrelay=kernel\n").Relay);
        Assert.Null(parsed.WhenUpRouteTable);
    }

    [Fact]
    public void Random_configurations_round_trip()
    {
        Generators.Check(Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue)), seed =>
        {
            string text = Write(RouterSamples.Random(seed));
            Assert.Equal(text, Write(RouterConfigurationParser.Parse(text)));
        }), maxTest: 300);
    }

    [Fact]
    public void Sample_snapshot_text_and_round_trip()
    {
        string text = Write(RouterSamples.FullSnapshot);
        Assert.Equal($"""
            flow_count=2
            flow_capacity=65536
            counter=conntrack_inserted:17
            counter=policy_drop:3
            counter=nat_port_exhausted:0
            rule_status=12
            description=from%20192.168.2.0/24%20tcp%20port%2025%20->%20peer%20nord%20masquerade
            packets=1234
            bytes=567890
            rule_status=20
            description=set%20mark%200x7
            packets=0
            bytes=0
            flow=6
            original_source=192.168.2.5:40000
            original_destination=93.184.216.34:25
            reply_source=93.184.216.34:25
            reply_destination=10.5.0.2:40000
            state=established
            peer={Hex(1)}
            assured=true
            expires_ms=431999000
            flow=17
            original_source=[fd05::9]:5353
            original_destination=[fd05::1]:53
            reply_source=[fd05::1]:53
            reply_destination=[fd05::9]:5353
            state=udp
            assured=false
            expires_ms=29500
            when_up_peer={Hex(2)}
            live=true

            """, text);
        RouterSnapshot parsed = ParseSnapshot(text);
        Assert.Equal(RouterSamples.FullSnapshot.Rules, parsed.Rules);
        Assert.Equal(RouterSamples.FullSnapshot.Flows, parsed.Flows);
        Assert.Equal(RouterSamples.FullSnapshot.Counters, parsed.Counters);
        Assert.Equal(RouterSamples.FullSnapshot.WhenUpPeers, parsed.WhenUpPeers);
        Assert.Equal((2, 65536), (parsed.FlowCount, parsed.FlowCapacity));
    }

    [Fact]
    public void Random_snapshots_round_trip_and_every_line_is_printable_ascii()
    {
        Generators.Check(Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue)), seed =>
        {
            RouterSnapshot snapshot = RouterSamples.RandomSnapshot(seed);
            string text = Write(snapshot);
            Assert.All(text.Split('\n'), line => Assert.True(line.All(c => c is > ' ' and < (char)0x7F), line));
            RouterSnapshot parsed = ParseSnapshot(text);
            Assert.Equal(snapshot.Rules, parsed.Rules);
            Assert.Equal(snapshot.Flows, parsed.Flows);
            Assert.Equal(text, Write(parsed));
        }), maxTest: 300);
    }

    [Theory]
    [InlineData("", "no version")]
    [InlineData("mss_clamp=auto", "first line")]
    [InlineData("version=2", "not supported")]
    [InlineData("version=1\nversion=1", "not an interface key")]
    [InlineData("version=1\nmss_clamp=auto\nmss_clamp=off", "twice")]
    [InlineData("version=1\nmss_clamp=0", "mss_clamp")]
    [InlineData("version=1\nmss_clamp=65536", "mss_clamp")]
    [InlineData("version=1\nmss_clamp=-1", "mss_clamp")]
    [InlineData("version=1\nrule=1\nstate=", "state")]
    [InlineData("version=1\nrule=1\nstate=new,new", "state")]
    [InlineData("version=1\nrule=1\nstate=new, established", "state")]
    [InlineData("version=1\nrule=1\nstate=untracked", "state")]
    [InlineData("version=1\nrule=1\nstate=new,", "state")]
    [InlineData("version=1\nrule=1\nstate=New", "state")]
    [InlineData("version=1\nrule=1\nstate=new\nstate=new", "twice")]
    [InlineData("version=1\nrule=1\nstate=established\naction=route", "state beyond new")]
    [InlineData("version=1\nrelay=", "relay")]
    [InlineData("version=1\nrelay=Kernel", "relay")]
    [InlineData("version=1\nrelay=both", "relay")]
    [InlineData("version=1\nrelay=kernel\nrelay=kernel", "twice")]
    [InlineData("version=1\nconntrack_per_peer=0", "conntrack_per_peer")]
    [InlineData("version=1\nconntrack_per_peer=0%", "conntrack_per_peer")]
    [InlineData("version=1\nconntrack_per_peer=101%", "conntrack_per_peer")]
    [InlineData("version=1\nconntrack_per_peer=16777217", "conntrack_per_peer")]
    [InlineData("version=1\nconntrack_per_peer=-5", "conntrack_per_peer")]
    [InlineData("version=1\nconntrack_per_peer=2.5%", "conntrack_per_peer")]
    [InlineData("version=1\nconntrack_per_peer=25%%", "conntrack_per_peer")]
    [InlineData("version=1\nconntrack_per_peer=%", "conntrack_per_peer")]
    [InlineData("version=1\nconntrack_per_peer=", "conntrack_per_peer")]
    [InlineData("version=1\nconntrack_per_peer=5\nconntrack_per_peer=6", "twice")]
    [InlineData("version=1\nwhen_up_table=0", "when_up_table")]
    [InlineData("version=1\nwhen_up_table=4294967296", "when_up_table")]
    [InlineData("version=1\naddress=10.0.0.1/24", "address")]
    [InlineData("version=1\naddress=10.0.0.1\naddress=10.0.0.1", "twice")]
    [InlineData("version=1\naddress=010.0.0.1", "address")]
    [InlineData("version=1\nbogus=1", "not an interface key")]
    [InlineData("version=1\nrule=1\naction=route\nmss_clamp=auto", "not a rule key")]
    [InlineData("version=1\nrule=1\nport=100-50\nprotocol=6", "port")]
    [InlineData("version=1\nrule=1\nport=80\nprotocol=6", "port")]
    [InlineData("version=1\nrule=1\nport=1-65536\nprotocol=6", "port")]
    [InlineData("version=1\nrule=1\nport=1-2", "protocol with ports")]
    [InlineData("version=1\nrule=1\nprotocol=1\nport=1-2", "protocol with ports")]
    [InlineData("version=1\nrule=1\nprotocol=6\nprotocol=17", "twice")]
    [InlineData("version=1\nrule=1\nprotocol=256", "protocol")]
    [InlineData("version=1\nrule=1\nprotocol=+6", "protocol")]
    [InlineData("version=1\nrule=1\nfrom=10.0.0.1/8", "canonical")]
    [InlineData("version=1\nrule=1\nfrom=!!10.0.0.0/8", "canonical")]
    [InlineData("version=1\nrule=1\nfrom=10.0.0.0", "canonical")]
    [InlineData("version=1\nrule=1\nto=10.0.0.0/33", "canonical")]
    [InlineData("version=1\nrule=1\nmark=0x300/0xff", "mark")]
    [InlineData("version=1\nrule=1\nmark=0x0300/0xffff", "mark")]
    [InlineData("version=1\nrule=1\nmark=0X3/0xff", "mark")]
    [InlineData("version=1\nrule=1\nmark=0x3", "mark")]
    [InlineData("version=1\nrule=1\nmark=0x1ffffffff/0xffffffff", "mark")]
    [InlineData("version=1\nrule=1\naction=set_mark", "set_mark")]
    [InlineData("version=1\nrule=1\nset_mark=0x1/0x1", "set_mark")]
    [InlineData("version=1\nrule=1\naction=set_mark\nset_mark=0x1/0x1\nmasquerade=true", "set_mark")]
    [InlineData("version=1\nrule=1\naction=explode", "action")]
    [InlineData("version=1\nrule=1\nmasquerade=yes", "masquerade")]
    [InlineData("version=1\nrule=1\npeer=abc", "64 hex")]
    [InlineData("version=1\nrule=x", "line number")]
    [InlineData("version=1\nrule=1\nname=nord", "not a rule key")]
    [InlineData("version=1\nforward=1\nprotocol=6\nport=80-80", "required")]
    [InlineData("version=1\nforward=1\nprotocol=1\nport=80-80\nto=10.0.0.1", "6 (tcp) or 17")]
    [InlineData("version=1\nforward=1\nprotocol=6\nport=90-80\nto=10.0.0.1", "port")]
    [InlineData("version=1\nforward=1\nprotocol=6\nport=80-80\nto=10.0.0.1\nto_port=65536", "to_port")]
    [InlineData("version=1\nforward=1\nprotocol=6\nport=80-80\nto=10.0.0.1\nto=10.0.0.2", "twice")]
    [InlineData("version=1\npublic_key=00", "64 hex")]
    public void Invalid_requests_are_refused_with_EINVAL(string body, string messagePart)
    {
        var parser = new RouterConfigurationParser();
        foreach (string line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            parser.AddLine(line);
        }

        Assert.Null(parser.Finish());
        Assert.Equal(ConfigurationErrno.InvalidArgument, parser.Errno);
        Assert.Contains(messagePart, parser.ErrorMessage);
    }

    [Theory]
    [InlineData("name=no%20spaces")]
    [InlineData("name=tun")]
    [InlineData("name=evil%0Arule=1")]
    [InlineData("name=caf%C3%A9")]
    [InlineData("name=-leading")]
    [InlineData("name=a234567890123456789012345678901234")]
    [InlineData("name=%6Eord")] // an escape of a byte that needs none: two spellings of one name
    [InlineData("name=nord%")]
    [InlineData("name=nord\nname=nord")]
    [InlineData("inbound=maybe")]
    [InlineData("routes=sometimes")]
    [InlineData("allowed_ip=10.0.0.0/8")]
    public void Hostile_peer_lines_are_refused(string lines)
    {
        string body = $"version=1\npublic_key={Hex(1)}\n{lines}";
        ConfigurationException e = Assert.Throws<ConfigurationException>(() => RouterConfigurationParser.Parse(body));
        Assert.Equal(ConfigurationErrno.InvalidArgument, e.Errno);
    }

    [Fact]
    public void A_peer_twice_is_refused()
    {
        ConfigurationException e = Assert.Throws<ConfigurationException>(() =>
            RouterConfigurationParser.Parse($"version=1\npublic_key={Hex(1)}\npublic_key={Hex(1)}\n"));
        Assert.Contains("two sections", e.Message);
    }

    [Fact]
    public void A_line_without_equals_is_a_protocol_error_and_later_lines_are_ignored()
    {
        var parser = new RouterConfigurationParser();
        Assert.True(parser.AddLine("version=1"));
        Assert.False(parser.AddLine("garbage"));
        Assert.False(parser.AddLine("mss_clamp=auto"));
        Assert.Null(parser.Finish());
        Assert.Equal(ConfigurationErrno.ProtocolError, parser.Errno);
        Assert.Equal("line 2: is not key=value", parser.ErrorMessage);
    }

    [Fact]
    public void Names_with_control_characters_cannot_be_written_into_other_lines()
    {
        var configuration = new RouterConfiguration { Peers = [new RouterPeerOptions(TestKeys.Public(1), "x\nrule=1\naction=drop", false, false)] };
        string text = Write(configuration);
        Assert.Equal(4 + 3, text.Split('\n').Length); // version, mss_clamp, public_key, name, inbound, routes + final ""
        Assert.Throws<ConfigurationException>(() => RouterConfigurationParser.Parse(text));
    }

    [Theory]
    [InlineData("flow_count=1\nflow_capacity=2\nrule_status=1\npackets=1\nbytes=1", "description")]
    [InlineData("flow_count=1\nflow_capacity=2\nrule_status=1\ndescription=x\npackets=1\nbytes=1\nbytes=2", "repeated")]
    [InlineData("flow_count=1", "missing")]
    [InlineData("flow_count=1\nflow_capacity=2\ncounter=Bad:1", "counter")]
    [InlineData("flow_count=1\nflow_capacity=2\nwhen_up_peer=00\nlive=true", "public key")]
    [InlineData("flow_count=1\nflow_capacity=2\nwhat=1", "unknown")]
    [InlineData("flow_count=1\nflow_capacity=2\nrule_status=1\ndescription=%0\npackets=1\nbytes=1", "percent")]
    public void Malformed_snapshots_are_protocol_errors(string text, string messagePart)
    {
        ConfigurationException e = Assert.Throws<ConfigurationException>(() => ParseSnapshot(text));
        Assert.Equal(ConfigurationErrno.ProtocolError, e.Errno);
        Assert.Contains(messagePart, e.Message);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a b", "a%20b")]
    [InlineData("100%", "100%25")]
    [InlineData("é\n", "%C3%A9%0A")]
    public void Percent_text(string text, string encoded)
    {
        Assert.Equal(encoded, PercentText.Encode(text));
        Assert.True(PercentText.TryDecode(encoded, out string decoded));
        Assert.Equal(text, decoded);
    }

    [Theory]
    [InlineData("%41")]
    [InlineData("%c3%a9")]
    [InlineData("%C3")]
    [InlineData("a b")]
    [InlineData("%")]
    [InlineData("%4")]
    public void Percent_text_refuses_other_spellings(string encoded)
    {
        Assert.False(PercentText.TryDecode(encoded, out _));
    }
}
