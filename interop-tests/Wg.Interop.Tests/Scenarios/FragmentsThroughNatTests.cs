// UDP datagrams larger than the tunnel MTU through a masquerade rule: the kernels on both sides fragment
// them (blue's, and the router's towards the TUN, on the way out; the remote peer's on the way back), and
// every fragment must come out of wgsharp translated as its first one was. And a peer sending pieces of
// datagrams it never completes fills only its own share of the fragment trains.
//
//   blue 192.168.2.10 ── router (wgsharp, MTU 1420, masquerade to 10.5.0.2) ── wan ── remote (wireguard-go,
//        fd12::10          198.51.100.2                                              10.5.0.1, fd05::1: a UDP
//                                                                                    echo that prefixes the source)
using System.Globalization;
using System.Text.RegularExpressions;
using WgSharp.Interop.Tests.Harness;
using WgSharp.Interop.Tests.Quick;
using Xunit.Abstractions;
using static WgSharp.Interop.Tests.Scenarios.ScenarioNetwork;

namespace WgSharp.Interop.Tests.Scenarios;

public sealed partial class FragmentsThroughNatTests(ITestOutputHelper output)
{
    private const int Timeout = 300_000;
    private const int EchoPort = 9000;
    private const int DatagramBytes = 4000;
    private const int Datagrams = 20;
    private const string Python = "/usr/bin/python3";

    private static readonly System.Net.IPAddress Remote = Ip("10.5.0.1");
    private static readonly System.Net.IPAddress RemoteV6 = Ip("fd05::1");

    // Echoes every datagram back, prefixed with the source address it arrived from and '|'.
    private const string EchoScript = """
        import socket, sys
        family = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.bind((sys.argv[1], int(sys.argv[2])))
        while True:
            data, address = s.recvfrom(65535)
            s.sendto(address[0].encode() + b'|' + data, address)
        """;

    // Sends count datagrams of size random bytes (each retried a few times: the first may wait for a handshake,
    // or teach IPv6 path MTU) and prints how many came back intact and from which sources the echo saw them.
    private const string ClientScript = """
        import os, socket, sys
        host, port, size, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.settimeout(1.5)
        ok, corrupt, sources = 0, 0, set()
        for i in range(count):
            payload = os.urandom(size)
            for attempt in range(6):
                s.sendto(payload, (host, port))
                try:
                    while True:
                        data, _ = s.recvfrom(65535)
                        source, _, echoed = data.partition(b'|')
                        if echoed == payload:
                            break
                        corrupt += 1
                except socket.timeout:
                    continue
                ok += 1
                sources.add(source.decode())
                break
        print(f"ok {ok} corrupt {corrupt} from {','.join(sorted(sources))}")
        """;

    // Sends count IPv4 fragments from src to dst that are never the first of their datagram (offset 1480, More
    // Fragments, each with its own identification): trains that can never complete.
    private const string FloodScript = """
        import socket, struct, sys
        src, dst, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        payload = bytes(1000)
        for i in range(count):
            ident = 1 + (i % 65535)
            header = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, 0x2000 | 185, 64, 17, 0,
                                 socket.inet_aton(src), socket.inet_aton(dst))
            s.sendto(header + payload, (dst, 0))
        print(f"sent {count}")
        """;

    private sealed record Topology(NetworkNamespace Router, NetworkNamespace Remote, NetworkNamespace Blue, KeyPair RouterKeys, KeyPair RemoteKeys);

    [Fact(Timeout = Timeout)]
    public async Task DatagramsLargerThanTheMtuCrossTheMasqueradeIntactBothWays()
    {
        using var network = new ScenarioNetwork();
        var t = await BuildAsync(network);
        StartEcho(t, Remote);
        StartEcho(t, RemoteV6);
        var wg = network.NewInterface(t.Router, _ => RouterConfig(t));
        output.WriteLine((await wg.ExpectUpAsync()).StandardError);

        // Out: blue's kernel fragments at 1500, the router's again at the TUN's 1420 (IPv6: blue learns 1420
        // from the router's Packet Too Big). Back: the remote's kernel fragments the 4,000-byte answer at 1420.
        string v4 = await RunClientAsync(t.Blue, Remote, Datagrams);
        string v6 = await RunClientAsync(t.Blue, RemoteV6, Datagrams);
        var show = await ShowAsync(t, wg);
        Assert.True(v4 == $"ok {Datagrams} corrupt 0 from 10.5.0.2", $"IPv4: {v4}\n{show}");
        Assert.True(v6 == $"ok {Datagrams} corrupt 0 from fd05::2", $"IPv6: {v6}\n{show}");
        Assert.DoesNotMatch(FragmentDrop(), show);
        await wg.ExpectDownAsync();
    }

    [Fact(Timeout = Timeout)]
    public async Task AFragmentFloodFromAPeerIsBoundedAndOtherDatagramsStillPass()
    {
        using var network = new ScenarioNetwork();
        var t = await BuildAsync(network);
        StartEcho(t, Remote);
        StartEcho(t, RemoteV6);
        var wg = network.NewInterface(t.Router, _ => RouterConfig(t));
        await wg.ExpectUpAsync();
        Assert.Equal("ok 2 corrupt 0 from 10.5.0.2", await RunClientAsync(t.Blue, Remote, 2));
        long rssBefore = await DaemonRssKilobytesAsync(t.Router);

        // 50,000 pieces of datagrams that never complete, from the remote peer through its tunnel, while blue's
        // large datagrams keep going both ways.
        var flood = t.Remote.ExecAsync([Python, "-c", FloodScript, "10.5.0.1", "10.5.0.2", "50000"], TimeSpan.FromSeconds(120));
        string during = await RunClientAsync(t.Blue, Remote, Datagrams);
        var flooded = await flood;
        Assert.True(flooded.Succeeded, flooded.Describe());
        string after = await RunClientAsync(t.Blue, RemoteV6, Datagrams);
        long rssAfter = await DaemonRssKilobytesAsync(t.Router);
        var show = await ShowAsync(t, wg);
        output.WriteLine($"daemon RSS {rssBefore} kB before the flood, {rssAfter} kB after");
        Assert.True(during == $"ok {Datagrams} corrupt 0 from 10.5.0.2", $"during the flood: {during}\n{show}");
        Assert.True(after == $"ok {Datagrams} corrupt 0 from fd05::2", $"after the flood: {after}\n{show}");

        // The flood was refused piece by piece (counted), within the peer's share; memory did not follow it.
        long refused = FragmentDrop().Matches(show).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.True(refused > 1_000, $"fragment drops counted: {refused}\n{show}");
        Assert.True(rssAfter - rssBefore < 32 * 1024, $"daemon RSS grew from {rssBefore} kB to {rssAfter} kB");
        await wg.ExpectDownAsync();
    }

    private void StartEcho(Topology t, System.Net.IPAddress address) =>
        t.Remote.StartBackground(["timeout", "300", Python, "-c", EchoScript, address.ToString(), Port(EchoPort)], TempFiles.NewPath($"udp-echo-{address}.log"));

    private async Task<string> RunClientAsync(NetworkNamespace from, System.Net.IPAddress to, int count)
    {
        var result = await from.ExecAsync(
            [Python, "-c", ClientScript, to.ToString(), Port(EchoPort), Port(DatagramBytes), Port(count)], TimeSpan.FromSeconds(count * 10 + 10));
        output.WriteLine($"{to}: {result.StandardOutput.Trim()} {result.StandardError.Trim()}");
        return result.StandardOutput.Trim();
    }

    private async Task<string> ShowAsync(Topology t, QuickInterface wg)
    {
        var show = (await t.Router.ExecCheckedAsync([RepositoryRoot.WgSharpLauncher, "show", wg.Name])).StandardOutput;
        output.WriteLine(show);
        return show;
    }

    // The resident set of the wgsharp daemon serving the router's interface (the only wgsharp process in its namespace).
    private static async Task<long> DaemonRssKilobytesAsync(NetworkNamespace ns)
    {
        var pids = (await ns.ExecCheckedAsync(["ip", "netns", "pids", ns.Name])).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (string pid in pids)
        {
            string cmdline;
            try
            {
                cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            }
            catch (IOException)
            {
                continue;
            }

            if (!cmdline.Contains("wgsharp", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (string line in File.ReadAllLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }

        throw new InvalidOperationException($"no wgsharp process in {ns}");
    }

    private static string RouterConfig(Topology t) => $"""
        [Interface]
        PrivateKey = {t.RouterKeys.PrivateKey}
        Address = 10.5.0.2/32, fd05::2/128
        MTU = 1420

        [Peer]
        Name = remote
        PublicKey = {t.RemoteKeys.PublicKey}
        Endpoint = 198.51.100.1:{WireGuardPort}
        AllowedIPs = 10.5.0.0/24, fd05::/64
        PersistentKeepalive = 25

        [Rule]
        From = 192.168.2.0/24, fd12::/64
        Peer = remote
        Masquerade = yes
        """;

    private static async Task<Topology> BuildAsync(ScenarioNetwork network)
    {
        var router = await network.AddNamespaceAsync("router", forwarding: true);
        var remote = await network.AddNamespaceAsync("remote");
        var blue = await network.AddNamespaceAsync("blue");
        await LinkAsync(router, "198.51.100.2/24", "fd51::2/64", remote, "198.51.100.1/24", "fd51::1/64");
        var blueLink = await LinkAsync(router, "192.168.2.1/24", "fd12::1/64", blue, "192.168.2.10/24", "fd12::10/64");
        await DefaultViaAsync(blue, blueLink.A);

        var routerKeys = await WgKeys.GenerateKeyPairAsync();
        var remoteKeys = await WgKeys.GenerateKeyPairAsync();
        // The remote forwards only what comes from 10.5.0.2: blue's own addresses would be refused there.
        await network.StartReferenceAsync(remote, $"""
            [Interface]
            PrivateKey = {remoteKeys.PrivateKey}
            ListenPort = {WireGuardPort}

            [Peer]
            PublicKey = {routerKeys.PublicKey}
            AllowedIPs = 10.5.0.2/32, fd05::2/128
            """, "10.5.0.1/24", "fd05::1/64");
        return new Topology(router, remote, blue, routerKeys, remoteKeys);
    }

    [GeneratedRegex(@"nat_drop_fragment\w*: (\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex FragmentDrop();
}
