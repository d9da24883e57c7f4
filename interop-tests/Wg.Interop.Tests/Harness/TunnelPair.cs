// The basic interop topology: two namespaces joined by a veth pair, one WireGuard daemon in each,
// configured as each other's only peer. Tunnel addresses are 10.232.0.{1,2}/24 (RFC 1918) and
// fd00:232::{1,2}/64 (RFC 4193); the underlay uses the documentation ranges of VethPair.
using System.Text;

namespace WgSharp.Interop.Tests.Harness;

internal sealed class TunnelPair : IDisposable
{
    public const int PortA = 51820;
    public const int PortB = 51821;

    private readonly List<IDisposable> _owned; // disposed in reverse order

    private TunnelPair(TunnelSide a, TunnelSide b, TunnelOptions options, List<IDisposable> owned)
    {
        A = a;
        B = b;
        Options = options;
        _owned = owned;
    }

    public TunnelSide A { get; }

    public TunnelSide B { get; }

    public TunnelOptions Options { get; }

    public static async Task<TunnelPair> CreateAsync(Implementation a, Implementation b, TunnelOptions? options = null)
    {
        options ??= TunnelOptions.Default;
        ReferencePeers.Require(a);
        ReferencePeers.Require(b);
        var owned = new List<IDisposable>();
        try
        {
            var nsA = await NetworkNamespace.CreateAsync().ConfigureAwait(false);
            owned.Add(nsA);
            var nsB = await NetworkNamespace.CreateAsync().ConfigureAwait(false);
            owned.Add(nsB);
            var veth = await VethPair.ConnectAsync(nsA, nsB, options.UnderlayMtu).ConfigureAwait(false);
            var peerA = await WireGuardPeer.StartAsync(a, nsA).ConfigureAwait(false);
            owned.Add(peerA);
            var peerB = await WireGuardPeer.StartAsync(b, nsB).ConfigureAwait(false);
            owned.Add(peerB);

            var (pskA, pskB) = await PresharedKeyFilesAsync(options.PresharedKeys).ConfigureAwait(false);
            var sideA = new TunnelSide(nsA, peerA, await WgKeys.GenerateKeyPairAsync().ConfigureAwait(false), veth.A, PortA,
                System.Net.IPAddress.Parse("10.232.0.1"), System.Net.IPAddress.Parse("fd00:232::1"), pskA);
            var sideB = new TunnelSide(nsB, peerB, await WgKeys.GenerateKeyPairAsync().ConfigureAwait(false), veth.B, PortB,
                System.Net.IPAddress.Parse("10.232.0.2"), System.Net.IPAddress.Parse("fd00:232::2"), pskB);
            var pair = new TunnelPair(sideA, sideB, options, owned);
            await pair.ConfigureSideAsync(sideA, sideB).ConfigureAwait(false);
            await pair.ConfigureSideAsync(sideB, sideA).ConfigureAwait(false);
            return pair;
        }
        catch
        {
            DisposeAll(owned);
            throw;
        }
    }

    /// <summary>The other side of <paramref name="side"/>.</summary>
    public TunnelSide Other(TunnelSide side) => ReferenceEquals(side, A) ? B : A;

    /// <summary>Pings <paramref name="to"/>'s tunnel address from <paramref name="from"/>.</summary>
    public Task<PingResult> PingAsync(TunnelSide from, TunnelSide to, bool v6, int count = 3, TimeSpan? deadline = null, int payloadSize = 56, bool dontFragment = false) =>
        Traffic.PingAsync(from.Namespace, to.Tunnel(v6), count, deadline, payloadSize, dontFragment);

    /// <summary>Fails the test with <paramref name="what"/> plus both daemons' state, dumps and logs.</summary>
    public async Task FailAsync(string what)
    {
        Assert.Fail($"{what}\n{await DescribeAsync().ConfigureAwait(false)}");
    }

    /// <summary>Fails the test unless <paramref name="condition"/> holds (see <see cref="FailAsync"/>).</summary>
    public async Task ExpectAsync(bool condition, string what)
    {
        if (!condition)
        {
            await FailAsync(what).ConfigureAwait(false);
        }
    }

    /// <summary>Pings and fails (with context) unless every echo comes back.</summary>
    public async Task<PingResult> ExpectPingAsync(TunnelSide from, TunnelSide to, bool v6, int count = 3, TimeSpan? deadline = null, int payloadSize = 56, bool dontFragment = false)
    {
        var ping = await PingAsync(from, to, v6, count, deadline, payloadSize, dontFragment).ConfigureAwait(false);
        await ExpectAsync(ping.Succeeded, $"ping {Name(from)} -> {to.Tunnel(v6)} (size {payloadSize}{(dontFragment ? ", DF" : "")}) failed: {ping}").ConfigureAwait(false);
        return ping;
    }

    /// <summary>Pings and fails (with context) if any echo comes back.</summary>
    public async Task ExpectNoPingAsync(TunnelSide from, System.Net.IPAddress to, TimeSpan? deadline = null)
    {
        var ping = await Traffic.PingAsync(from.Namespace, to, count: 3, deadline ?? TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        await ExpectAsync(ping.Received == 0, $"ping {Name(from)} -> {to} should get no reply: {ping}").ConfigureAwait(false);
    }

    /// <summary>Both sides: daemon state and log tail, `wg show dump`, addresses and routes.</summary>
    public async Task<string> DescribeAsync()
    {
        var text = new StringBuilder();
        foreach (var side in new[] { A, B })
        {
            text.Append(side.Peer.Describe()).Append('\n');
            foreach (var command in new[] { new[] { "wg", "show", side.Peer.InterfaceName, "dump" }, ["ip", "addr"], ["ip", "route"], ["ip", "-6", "route"] })
            {
                var r = await side.Namespace.ExecAsync(command, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                text.Append("$ ").Append(r.CommandLine).Append('\n').Append(r.StandardOutput).Append(r.StandardError);
            }
        }

        return text.ToString();
    }

    public string Name(TunnelSide side) => $"{(ReferenceEquals(side, A) ? "A" : "B")}({side.Peer})";

    public void Dispose() => DisposeAll(_owned);

    private static void DisposeAll(List<IDisposable> owned)
    {
        List<Exception>? errors = null;
        for (var i = owned.Count - 1; i >= 0; i--)
        {
            try
            {
                owned[i].Dispose();
            }
            catch (Exception e)
            {
                (errors ??= []).Add(e);
            }
        }

        owned.Clear();
        if (errors is not null)
        {
            throw new AggregateException("tunnel pair cleanup failed", errors);
        }
    }

    private static async Task<(string? A, string? B)> PresharedKeyFilesAsync(PresharedKeyMode mode)
    {
        switch (mode)
        {
            case PresharedKeyMode.Same:
                var shared = await WgKeys.GeneratePresharedKeyAsync().ConfigureAwait(false);
                return (shared.File, shared.File);
            case PresharedKeyMode.Different:
                var a = await WgKeys.GeneratePresharedKeyAsync().ConfigureAwait(false);
                var b = await WgKeys.GeneratePresharedKeyAsync().ConfigureAwait(false);
                return (a.File, b.File);
            default:
                return (null, null);
        }
    }

    private async Task ConfigureSideAsync(TunnelSide self, TunnelSide other)
    {
        List<string> set =
        [
            "private-key", self.Keys.PrivateKeyFile, "listen-port", self.ListenPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "peer", other.Keys.PublicKey,
            "allowed-ips", $"{other.TunnelV4}/32,{other.TunnelV6}/128",
            "endpoint", other.Endpoint(Options.EndpointFamily).ToString(),
        ];
        if (self.PresharedKeyFile is not null)
        {
            set.AddRange(["preshared-key", self.PresharedKeyFile]);
        }

        await self.Peer.SetAsync([.. set]).ConfigureAwait(false);
        await self.Peer.AddAddressAsync($"{self.TunnelV4}/24").ConfigureAwait(false);
        await self.Peer.AddAddressAsync($"{self.TunnelV6}/64").ConfigureAwait(false);
        await self.Peer.SetLinkUpAsync(Options.TunnelMtu).ConfigureAwait(false);
    }
}
