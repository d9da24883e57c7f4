// EndpointResolver: literals need no lookup, IPv4 is preferred, permanent failures fail at once with
// the file and line, transient ones are retried with wg's growing pause, all failures are collected.
using System.Net;
using System.Net.Sockets;
using WgSharp.Cli.Configuration;
using static WgSharp.Cli.Tests.Config.ConfigTestKeys;

namespace WgSharp.Cli.Tests.Config;

public class EndpointResolverTests
{
    private static readonly ConfigEndpoint Host = new("vpn.example.com", 51820, null, 7);

    private static EndpointResolver.Options Fake(Func<string, IPAddress[]> lookup, List<TimeSpan> sleeps, List<string> progress, int retries = 15) =>
        new(host => lookup(host), retries, sleeps.Add, progress.Add);

    [Fact]
    public void Literal_needs_no_lookup()
    {
        var literal = new ConfigEndpoint("192.0.2.1", 1, IPAddress.Parse("192.0.2.1"), 3);
        IPEndPoint result = EndpointResolver.Resolve(literal, "wg3.conf", new(_ => throw new InvalidOperationException("looked up")));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 1), result);
    }

    [Fact]
    public void IPv4_is_preferred_then_IPv6()
    {
        List<TimeSpan> sleeps = [];
        List<string> progress = [];
        IPEndPoint both = EndpointResolver.Resolve(Host, "wg3.conf",
            Fake(_ => [IPAddress.Parse("2001:db8::5"), IPAddress.Parse("192.0.2.5"), IPAddress.Parse("192.0.2.6")], sleeps, progress));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.5"), 51820), both);
        IPEndPoint v6 = EndpointResolver.Resolve(Host, "wg3.conf", Fake(_ => [IPAddress.Parse("2001:db8::5")], sleeps, progress));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::5"), 51820), v6);
        Assert.Empty(sleeps);
    }

    [Fact]
    public void Permanent_failure_is_reported_at_once_with_file_and_line()
    {
        List<TimeSpan> sleeps = [];
        List<string> progress = [];
        var error = Assert.Throws<ConfigException>(() => EndpointResolver.Resolve(Host, "wg3.conf",
            Fake(_ => throw new SocketException((int)SocketError.HostNotFound), sleeps, progress)));
        Assert.StartsWith("wg3.conf:7: Endpoint: cannot resolve 'vpn.example.com': ", error.Message);
        Assert.Empty(sleeps);

        error = Assert.Throws<ConfigException>(() => EndpointResolver.Resolve(Host, "wg3.conf", Fake(_ => [], sleeps, progress)));
        Assert.Equal("wg3.conf:7: Endpoint: cannot resolve 'vpn.example.com': it has no IPv4 or IPv6 address", error.Message);
    }

    [Fact]
    public void Transient_failures_are_retried_with_a_growing_pause()
    {
        List<TimeSpan> sleeps = [];
        List<string> progress = [];
        int calls = 0;
        IPEndPoint result = EndpointResolver.Resolve(Host, "wg3.conf", Fake(_ =>
            ++calls < 3 ? throw new SocketException((int)SocketError.TryAgain) : [IPAddress.Parse("192.0.2.9")], sleeps, progress));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.9"), 51820), result);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.2)], sleeps);
        Assert.Equal(2, progress.Count);
        Assert.EndsWith(": `vpn.example.com:51820'. Trying again in 1.00 seconds...", progress[0]);
        Assert.EndsWith("Trying again in 1.20 seconds...", progress[1]);
    }

    [Fact]
    public void Retries_are_bounded_and_the_pause_stops_growing_at_20_seconds()
    {
        List<TimeSpan> sleeps = [];
        List<string> progress = [];
        Assert.Throws<ConfigException>(() => EndpointResolver.Resolve(Host, "wg3.conf",
            Fake(_ => throw new SocketException((int)SocketError.TryAgain), sleeps, progress, retries: 25)));
        Assert.Equal(25, sleeps.Count);
        Assert.Equal(TimeSpan.FromSeconds(20), sleeps.Max());
        Assert.Equal(TimeSpan.FromSeconds(20), sleeps[^1]);
        Assert.True(sleeps.Zip(sleeps.Skip(1)).All(p => p.First <= p.Second));

        sleeps.Clear();
        Assert.Throws<ConfigException>(() => EndpointResolver.Resolve(Host, "wg3.conf",
            Fake(_ => throw new SocketException((int)SocketError.TryAgain), sleeps, progress, retries: 0)));
        Assert.Empty(sleeps);
    }

    [Fact]
    public void Retries_come_from_WG_ENDPOINT_RESOLUTION_RETRIES()
    {
        string? saved = Environment.GetEnvironmentVariable("WG_ENDPOINT_RESOLUTION_RETRIES");
        try
        {
            Environment.SetEnvironmentVariable("WG_ENDPOINT_RESOLUTION_RETRIES", "2");
            List<TimeSpan> sleeps = [];
            Assert.Throws<ConfigException>(() => EndpointResolver.Resolve(Host, "wg3.conf",
                new(_ => throw new SocketException((int)SocketError.TryAgain), null, sleeps.Add, _ => { })));
            Assert.Equal(2, sleeps.Count);
        }
        finally
        {
            Environment.SetEnvironmentVariable("WG_ENDPOINT_RESOLUTION_RETRIES", saved);
        }
    }

    [Fact]
    public void Resolve_all_sets_endpoints_and_collects_every_failure()
    {
        using InterfaceConfig config = ParseValid($"""
            {Interface}[Peer]
            PublicKey = {PublicBase64(1)}
            Endpoint = good.example:1
            [Peer]
            PublicKey = {PublicBase64(2)}
            Endpoint = bad1.example:2
            [Peer]
            PublicKey = {PublicBase64(3)}
            Endpoint = 192.0.2.3:3
            [Peer]
            PublicKey = {PublicBase64(4)}
            Endpoint = bad2.example:4
            """);
        var error = Assert.Throws<ConfigException>(() => EndpointResolver.ResolveAll(config,
            new(host => host == "good.example" ? [IPAddress.Parse("192.0.2.1")] : throw new SocketException((int)SocketError.HostNotFound))));
        Assert.Equal([8, 14], error.Errors.Select(e => e.Line));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 1), config.Peers[0].ResolvedEndpoint);

        EndpointResolver.ResolveAll(config, new(host => [IPAddress.Parse("198.51.100.1")]));
        Assert.All(config.Peers, p => Assert.NotNull(p.ResolvedEndpoint));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.3"), 3), config.Peers[2].ResolvedEndpoint);
    }

    [Fact]
    public void Real_resolver_finds_localhost()
    {
        IPEndPoint result = EndpointResolver.Resolve(new ConfigEndpoint("localhost", 9, null, 1), "wg3.conf", new(Retries: 0));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9), result);
    }
}
