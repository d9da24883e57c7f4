// Router configurations and snapshots for the wgsharp UAPI extension tests: a fixed sample using every
// key, and random ones for the round-trip properties.
using System.Net;
using System.Net.Sockets;
using WgSharp.Cli.Tests.Support;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Tests.Uapi;

internal static class RouterSamples
{
    public static RouterConfiguration Full => new()
    {
        Peers =
        [
            new RouterPeerOptions(TestKeys.Public(1), "nord", InboundEstablishedOnly: true, RoutesWhenUp: false),
            new RouterPeerOptions(TestKeys.Public(2), null, InboundEstablishedOnly: false, RoutesWhenUp: true),
        ],
        Rules =
        [
            new RouterRule
            {
                Line = 12,
                From = [new(IPNetwork.Parse("192.168.2.0/24"), false), new(IPNetwork.Parse("192.168.2.1/32"), true)],
                To = [new(IPNetwork.Parse("0.0.0.0/0"), false)],
                Protocol = 6,
                Port = new PortRange(25, 25),
                SourcePort = new PortRange(1024, 65535),
                Input = TestKeys.Public(2),
                Mark = new Mark(0x200, 0xff00),
                Peer = TestKeys.Public(1),
                Action = RouterRuleAction.Route,
                Masquerade = true,
                Priority = 100,
            },
            new RouterRule { Line = 20, Action = RouterRuleAction.SetMark, SetMark = new Mark(7, uint.MaxValue) },
            new RouterRule
            {
                Line = 23, To = [new(IPNetwork.Parse("fd00::/8"), true)], Protocol = 58,
                State = RouterRuleStates.Established | RouterRuleStates.Invalid, Action = RouterRuleAction.Reject,
            },
        ],
        Forwards =
        [
            new RouterForward(6, new PortRange(8080, 8080), IPAddress.Parse("192.168.2.10"), 80) { Line = 30 },
            new RouterForward(17, new PortRange(5000, 5010), IPAddress.Parse("fd05::10"), null) { Line = 34 },
        ],
        MssClamp = RouterConfiguration.MssClampAuto,
        ConntrackPerPeer = new RouterFlowShare(10, IsPercent: true),
        Relay = RouterRelay.Userspace,
        InterfaceAddresses = [IPAddress.Parse("10.5.0.2"), IPAddress.Parse("fd05::2")],
        WhenUpRouteTable = 51820,
    };

    public static RouterSnapshot FullSnapshot => new()
    {
        Rules = [new RouterRuleStatus(12, "from 192.168.2.0/24 tcp port 25 -> peer nord masquerade", 1234, 567890), new RouterRuleStatus(20, "set mark 0x7", 0, 0)],
        Flows =
        [
            new RouterFlow(6, Ep("192.168.2.5:40000"), Ep("93.184.216.34:25"), Ep("93.184.216.34:25"), Ep("10.5.0.2:40000"),
                "established", TestKeys.Public(1), true, TimeSpan.FromSeconds(431999)),
            new RouterFlow(17, Ep("[fd05::9]:5353"), Ep("[fd05::1]:53"), Ep("[fd05::1]:53"), Ep("[fd05::9]:5353"),
                "udp", null, false, TimeSpan.FromMilliseconds(29_500)),
        ],
        FlowCount = 2,
        FlowCapacity = 65536,
        Counters = [new("conntrack_inserted", 17), new("policy_drop", 3), new("nat_port_exhausted", 0)],
        WhenUpPeers = [new(TestKeys.Public(2), true)],
    };

    public static IPEndPoint Ep(string text) => IPEndPoint.Parse(text);

    /// <summary>A random valid configuration (every optional part sometimes present).</summary>
    public static RouterConfiguration Random(int seed)
    {
        var random = new Random(seed);
        List<PublicKey> keys = [.. Enumerable.Range(0, random.Next(1, 5)).Select(i => TestKeys.Public((seed % 1000) + i))];
        return new RouterConfiguration
        {
            Peers = [.. keys.Where(_ => random.Next(3) > 0).Select((k, i) => new RouterPeerOptions(k,
                random.Next(2) == 0 ? null : Name(random, i), random.Next(2) == 0, random.Next(2) == 0))],
            Rules = [.. Enumerable.Range(0, random.Next(0, 6)).Select(_ => Rule(random, keys))],
            Forwards = [.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => new RouterForward(
                random.Next(2) == 0 ? (byte)6 : (byte)17, Range(random), Address(random), random.Next(2) == 0 ? null : (ushort)random.Next(65536))
            { Line = random.Next(0, 5000) })],
            MssClamp = random.Next(3) switch { 0 => 0, 1 => RouterConfiguration.MssClampAuto, _ => random.Next(1, 65536) },
            ConntrackPerPeer = random.Next(3) switch
            {
                0 => null,
                1 => new RouterFlowShare(random.Next(1, 101), IsPercent: true),
                _ => new RouterFlowShare(random.Next(1, RouterFlowShare.MaxFlows + 1), IsPercent: false),
            },
            InterfaceAddresses = [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => Address(random)).Distinct()],
            WhenUpRouteTable = random.Next(2) == 0 ? null : (uint)random.NextInt64(1, uint.MaxValue + 1L),
            Relay = (RouterRelay)random.Next(2),
        };
    }

    public static RouterSnapshot RandomSnapshot(int seed)
    {
        var random = new Random(seed);
        return new RouterSnapshot
        {
            Rules = [.. Enumerable.Range(0, random.Next(0, 5)).Select(_ => new RouterRuleStatus(random.Next(0, 10000), Text(random),
                (ulong)random.NextInt64(), (ulong)random.NextInt64() * 3))],
            Flows = [.. Enumerable.Range(0, random.Next(0, 6)).Select(_ => new RouterFlow((byte)random.Next(256),
                Endpoint(random), Endpoint(random), Endpoint(random), Endpoint(random), Text(random),
                random.Next(2) == 0 ? null : TestKeys.Public(random.Next(100)), random.Next(2) == 0,
                TimeSpan.FromMilliseconds(random.NextInt64(0, 10_000_000_000))))],
            FlowCount = random.Next(),
            FlowCapacity = random.Next(),
            Counters = [.. Enumerable.Range(0, random.Next(0, 6)).Select(i => new KeyValuePair<string, ulong>($"c{i}_{random.Next(100)}", (ulong)random.NextInt64()))],
            WhenUpPeers = [.. Enumerable.Range(0, random.Next(0, 3)).Select(i => new KeyValuePair<PublicKey, bool>(TestKeys.Public(200 + i), random.Next(2) == 0))],
        };
    }

    private static RouterRule Rule(Random random, List<PublicKey> keys)
    {
        bool setMark = random.Next(4) == 0;
        byte? protocol = random.Next(3) switch { 0 => null, 1 => (byte)6, _ => (byte)random.Next(256) };
        bool ports = protocol is 6 or 17;
        RouterRuleAction action = setMark ? RouterRuleAction.SetMark : (RouterRuleAction)random.Next(4);
        return new RouterRule
        {
            Line = random.Next(0, 5000),
            From = [.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => new PrefixSelector(Prefix(random), random.Next(3) == 0))],
            To = [.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => new PrefixSelector(Prefix(random), random.Next(3) == 0))],
            Protocol = protocol,
            Port = ports && random.Next(2) == 0 ? Range(random) : null,
            SourcePort = ports && random.Next(2) == 0 ? Range(random) : null,
            Input = random.Next(2) == 0 ? null : keys[random.Next(keys.Count)],
            Mark = random.Next(2) == 0 ? null : Mark(random),
            Peer = setMark || random.Next(2) == 0 ? null : keys[random.Next(keys.Count)],
            Action = action,
            State = action == RouterRuleAction.Route ? (RouterRuleStates)random.Next(2) : (RouterRuleStates)random.Next(16),
            Masquerade = !setMark && random.Next(2) == 0,
            SetMark = setMark ? Mark(random) : null,
            Priority = random.Next(2) == 0 ? null : (uint)random.NextInt64(0, uint.MaxValue + 1L),
        };
    }

    private static string Name(Random random, int index)
    {
        const string Chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
        return $"p{index}" + new string([.. Enumerable.Range(0, random.Next(0, 25)).Select(_ => Chars[random.Next(Chars.Length)])]);
    }

    private static string Text(Random random)
    {
        // Anything, including newlines, '%', '=', non-ASCII and (as strings allow) characters of every plane.
        string[] pieces = ["from ", "10.0.0.0/8", " -> ", "peer nord", "\n", "%", "=", "é", "日本", "\t", " ", "😀", "x", "%41", "\r"];
        return string.Concat(Enumerable.Range(0, random.Next(0, 8)).Select(_ => pieces[random.Next(pieces.Length)]));
    }

    private static PortRange Range(Random random)
    {
        int a = random.Next(65536), b = random.Next(65536);
        return new PortRange((ushort)Math.Min(a, b), (ushort)Math.Max(a, b));
    }

    private static Mark Mark(Random random)
    {
        uint mask = random.Next(3) == 0 ? uint.MaxValue : (uint)random.NextInt64(0, uint.MaxValue + 1L);
        return new Mark((uint)random.NextInt64(0, uint.MaxValue + 1L) & mask, mask);
    }

    private static IPAddress Address(Random random)
    {
        byte[] bytes = new byte[random.Next(2) == 0 ? 4 : 16];
        random.NextBytes(bytes);
        return new IPAddress(bytes);
    }

    private static IPNetwork Prefix(Random random)
    {
        IPAddress address = Address(random);
        int bits = random.Next(0, (address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128) + 1);
        return NetworkPrefix.Canonical(address, bits);
    }

    private static IPEndPoint Endpoint(Random random) => new(Address(random), random.Next(65536));
}
