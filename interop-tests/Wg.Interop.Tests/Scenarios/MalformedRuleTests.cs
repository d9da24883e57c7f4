// `wgsharp up` refuses a file whose [Rule] cannot work — naming a peer that does not exist, masquerading a
// family the interface has no address of, a reversed port range — with the file, line and reason, before
// it changes anything in the namespace.
using WgSharp.Interop.Tests.Harness;
using WgSharp.Interop.Tests.Quick;

namespace WgSharp.Interop.Tests.Scenarios;

public sealed class MalformedRuleTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        // (rule lines, the key whose line is reported, the message after "file:line: ")
        { "To = 203.0.113.0/24\nPeer = nrod", "Peer", "Peer: no [Peer] is named 'nrod'; did you mean nord?" },
        { "From = fd00:2::/64\nPeer = nord\nMasquerade = yes", "Masquerade", "Masquerade: the interface has no IPv6 Address to masquerade IPv6 packets to" },
        { "Protocol = tcp\nPort = 8100-8000\nPeer = nord", "Port", "Port: the range '8100-8000' is reversed" },
    };

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(Cases))]
    public async Task AFileWithABadRuleIsRefusedWithItsLineAndChangesNothing(string ruleLines, string key, string message)
    {
        using var network = new ScenarioNetwork();
        var ns = await network.AddNamespaceAsync("router");
        var keys = await WgKeys.GenerateKeyPairAsync();
        var peer = await WgKeys.GenerateKeyPairAsync();
        var text = $"""
            [Interface]
            PrivateKey = {keys.PrivateKey}
            Address = 10.5.0.2/32

            [Peer]
            Name = nord
            PublicKey = {peer.PublicKey}
            Endpoint = 192.0.2.2:51820
            AllowedIPs = 0.0.0.0/0

            [Rule]
            {ruleLines}
            """;
        var line = Array.FindIndex(text.Split('\n'), l => l.StartsWith(key + " =", StringComparison.Ordinal)) + 1;
        var before = await RoutingSnapshot.TakeAsync(ns);
        var wg = network.NewInterface(ns, _ => text);

        var up = await wg.UpAsync();
        Assert.Equal(1, up.ExitCode);
        Assert.Contains($"{wg.ConfigPath}:{line}: {message}", up.StandardError);
        Assert.DoesNotContain("[#]", up.StandardError);
        Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(ns)).Text);
        Assert.False(File.Exists(wg.StatePath));
        Assert.False(await wg.LinkExistsAsync());
    }
}
