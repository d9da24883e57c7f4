// `Relay = kernel|userspace` on a hub: two spokes (wireguard-go) reach each other through a wgsharp hub
// whose kernel does not forward (ip_forward=0). With Relay = kernel (the default, as wg-quick) the hub
// hands their traffic to its kernel, which refuses to forward it: nothing passes, though MssClamp makes the
// router stage run. With Relay = userspace the hub relays it itself. `up` and `wgsharp show` say which.
//
//   spoke A (10.30.0.1) ── 203.0.113.1  hub (wgsharp, 10.30.0.2)  203.0.113.3 ── spoke B (10.30.0.3)
using WgSharp.Interop.Tests.Harness;
using Xunit.Abstractions;
using static WgSharp.Interop.Tests.Scenarios.ScenarioNetwork;

namespace WgSharp.Interop.Tests.Scenarios;

public sealed class HubRelayTests(ITestOutputHelper output)
{
    private const int Timeout = 300_000;

    [Theory(Timeout = Timeout)]
    [InlineData("kernel")]
    [InlineData("userspace")]
    public async Task SpokesReachEachOtherThroughAHubWithoutIpForwardOnlyWithUserspaceRelay(string relay)
    {
        using var network = new ScenarioNetwork();
        var hub = await network.AddNamespaceAsync("hub", forwarding: false);
        var spokeA = await network.AddNamespaceAsync("spoke-a");
        var spokeB = await network.AddNamespaceAsync("spoke-b");
        await LinkAsync(spokeA, "203.0.113.1/24", "fd13::1/64", hub, "203.0.113.2/24", "fd13::2/64");
        await LinkAsync(hub, "198.51.100.2/24", "fd51::2/64", spokeB, "198.51.100.3/24", "fd51::3/64");

        var hubKeys = await WgKeys.GenerateKeyPairAsync();
        var aKeys = await WgKeys.GenerateKeyPairAsync();
        var bKeys = await WgKeys.GenerateKeyPairAsync();
        foreach ((NetworkNamespace ns, KeyPair keys, string address, string hubEndpoint) in
            (ValueTuple<NetworkNamespace, KeyPair, string, string>[])[(spokeA, aKeys, "10.30.0.1/24", "203.0.113.2"), (spokeB, bKeys, "10.30.0.3/24", "198.51.100.2")])
        {
            await network.StartReferenceAsync(ns, $"""
                [Interface]
                PrivateKey = {keys.PrivateKey}

                [Peer]
                PublicKey = {hubKeys.PublicKey}
                Endpoint = {hubEndpoint}:{WireGuardPort}
                AllowedIPs = 10.30.0.0/24
                PersistentKeepalive = 5
                """, address);
        }

        var wg = network.NewInterface(hub, _ => $"""
            [Interface]
            PrivateKey = {hubKeys.PrivateKey}
            ListenPort = {WireGuardPort}
            Address = 10.30.0.2/24
            MssClamp = auto
            Relay = {relay}

            [Peer]
            Name = a
            PublicKey = {aKeys.PublicKey}
            AllowedIPs = 10.30.0.1/32

            [Peer]
            Name = b
            PublicKey = {bKeys.PublicKey}
            AllowedIPs = 10.30.0.3/32
            """);
        var up = await wg.ExpectUpAsync();
        output.WriteLine(up.StandardError);
        Assert.Contains($"relay between peers: {relay}", up.StandardError + up.StandardOutput);

        // Both spokes talk to the hub itself either way.
        Assert.True((await Traffic.PingAsync(spokeA, Ip("10.30.0.2"), count: 1, deadline: TimeSpan.FromSeconds(15))).Succeeded, "spoke A -> hub");
        Assert.True((await Traffic.PingAsync(spokeB, Ip("10.30.0.2"), count: 1, deadline: TimeSpan.FromSeconds(15))).Succeeded, "spoke B -> hub");

        var across = await Traffic.PingAsync(spokeA, Ip("10.30.0.3"), count: 2, deadline: TimeSpan.FromSeconds(5));
        var show = (await hub.ExecCheckedAsync([RepositoryRoot.WgSharpLauncher, "show", wg.Name])).StandardOutput;
        output.WriteLine(show);
        Assert.Contains($"relay: {relay}", show);
        if (relay == "userspace")
        {
            Assert.True(across.Succeeded, $"spoke A -> spoke B through the hub: {across}\n{show}");
        }
        else
        {
            Assert.Equal(0, across.Received);
        }

        await network.AssertNoKernelFirewallOrNatAsync();
        await wg.ExpectDownAsync();
    }
}
