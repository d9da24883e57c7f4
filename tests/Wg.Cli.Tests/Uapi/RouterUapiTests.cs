// The wgsharp-set / wgsharp-get operations over a real socket: the server hands configurations to the
// router and refuses hostile ones changing nothing (errno and a log line), get=1 stays as it was, a
// server without a router closes the connection as wireguard-go does, and UapiClient's methods.
using WgSharp.Cli.Tests.Support;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Tests.Uapi;

public sealed class RouterUapiTests : IAsyncLifetime
{
    private readonly string _directory = TestNames.TempDirectory();
    private readonly FakeDevice _device = new();
    private readonly FakeRouter _router = new();
    private readonly List<string> _log = [];
    private UapiServer _server = null!;
    private UapiServer _plain = null!;

    public Task InitializeAsync()
    {
        _server = UapiServer.Start("wgrouter0", _device, Log, _directory, router: _router);
        _plain = UapiServer.Start("wgplain0", _device, Log, _directory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _plain.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private void Log(string line)
    {
        lock (_log)
        {
            _log.Add(line);
        }
    }

    private string[] Logged()
    {
        lock (_log)
        {
            return [.. _log];
        }
    }

    private static string Body(RouterConfiguration configuration)
    {
        var text = new System.Text.StringBuilder();
        RouterConfigurationWriter.Write(configuration, text);
        return text.ToString();
    }

    [Fact]
    public async Task Set_hands_the_configuration_to_the_router()
    {
        using RawUapiConnection connection = RawUapiConnection.Open(_server.SocketPath);
        connection.Send("wgsharp-set=1\n" + Body(RouterSamples.Full) + "\n");
        Assert.Equal("errno=0\n\n", await connection.ReadReplyAsync());
        Assert.Equal(Body(RouterSamples.Full), Body(_router.RouterConfiguration));
        // The connection stays usable, for wg's operations too.
        connection.Send("get=1\n\n");
        Assert.Equal("errno=0\n\n", await connection.ReadReplyAsync());
    }

    [Theory]
    [InlineData("version=1\nrule=1\nprotocol=6\nport=200-100\n", "-22")] // reversed range
    [InlineData("version=1\nfrobnicate=yes\n", "-22")]                    // unknown key
    [InlineData("version=1\nrule=1\naction=drop\naction=drop\n", "-22")]  // a key twice
    [InlineData("version=7\n", "-22")]                                    // a future version
    [InlineData("version=1\nno equals sign\n", "-71")]
    [InlineData("version=1\nname=\xff\n", "-22")]
    public async Task Hostile_set_is_refused_logged_and_changes_nothing(string body, string errno)
    {
        using RawUapiConnection connection = RawUapiConnection.Open(_server.SocketPath);
        connection.Send("wgsharp-set=1\n" + Body(RouterSamples.Full) + "\n");
        Assert.Equal("errno=0\n\n", await connection.ReadReplyAsync());
        RouterConfiguration before = _router.RouterConfiguration;

        connection.Send("wgsharp-set=1\n" + body + "\n");
        string? reply = await connection.ReadReplyAsync();
        Assert.StartsWith("message=line%20", reply);
        Assert.EndsWith($"\nerrno={errno}\n\n", reply);
        Assert.Equal(3, reply!.Count(c => c == '\n'));
        Assert.Same(before, _router.RouterConfiguration);
        Assert.Equal(1, _router.SetCount);
        Assert.Contains(Logged(), l => l.Contains($"refused a wgsharp-set request (errno {errno})", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Router_refusal_is_answered_with_its_errno_and_logged()
    {
        _router.Refusal = new ConfigurationException(ConfigurationErrno.InvalidArgument, "rule 12 names a peer the device does not have");
        using UapiClient client = await UapiClient.ConnectAsync("wgrouter0", _directory);
        ConfigurationException e = await Assert.ThrowsAsync<ConfigurationException>(() => client.SetRouterConfigurationAsync(RouterSamples.Full));
        Assert.Equal(ConfigurationErrno.InvalidArgument, e.Errno);
        Assert.Equal("rule 12 names a peer the device does not have", e.Message);
        Assert.Same(RouterConfiguration.Empty, _router.RouterConfiguration);
        Assert.Contains(Logged(), l => l.Contains("wgsharp-set failed (errno -22): rule 12 names a peer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Client_reports_the_parser_reason()
    {
        using UapiClient client = await UapiClient.ConnectAsync("wgrouter0", _directory);
        var reversed = new RouterConfiguration { Forwards = [new RouterForward(6, new PortRange(90, 80), System.Net.IPAddress.Loopback, null)] };
        ConfigurationException e = await Assert.ThrowsAsync<ConfigurationException>(() => client.SetRouterConfigurationAsync(reversed));
        Assert.Equal(ConfigurationErrno.InvalidArgument, e.Errno);
        Assert.Equal("line 5: port '90-80' is not a port range first-last with first <= last", e.Message);
        Assert.Equal(0, _router.SetCount);
    }

    [Fact]
    public async Task Set_cut_short_applies_nothing()
    {
        using (RawUapiConnection connection = RawUapiConnection.Open(_server.SocketPath))
        {
            connection.Send("wgsharp-set=1\nversion=1\nmss_clamp=auto\n");
        }

        for (int i = 0; i < 100 && !Logged().Any(l => l.Contains("ended before its blank line", StringComparison.Ordinal)); i++)
        {
            await Task.Delay(20);
        }

        Assert.Contains(Logged(), l => l.Contains("wgsharp-set request ended before its blank line", StringComparison.Ordinal));
        Assert.Equal(0, _router.SetCount);
    }

    [Fact]
    public async Task Get_returns_configuration_and_snapshot_and_get_1_is_unchanged()
    {
        _router.Snapshot = RouterSamples.FullSnapshot;
        using UapiClient client = await UapiClient.ConnectAsync("wgrouter0", _directory);
        await client.SetRouterConfigurationAsync(RouterSamples.Full);
        RouterInfo? state = await client.TryGetRouterInfoAsync(1);
        Assert.NotNull(state);
        Assert.Equal(Body(RouterSamples.Full), Body(state.Configuration));
        Assert.Equal(1, _router.LastMaxFlows);
        Assert.Equal(RouterSamples.FullSnapshot.Flows[0], Assert.Single(state.Snapshot.Flows));
        Assert.Equal(RouterSamples.FullSnapshot.Rules, state.Snapshot.Rules);
        Assert.Equal(RouterSamples.FullSnapshot.Counters, state.Snapshot.Counters);
        Assert.Equal(RouterSamples.FullSnapshot.WhenUpPeers, state.Snapshot.WhenUpPeers);
        Assert.Equal(65536, client.GetRouterSnapshot(50).FlowCapacity);

        // get=1 says exactly what a server without a router says.
        using RawUapiConnection withRouter = RawUapiConnection.Open(_server.SocketPath);
        using RawUapiConnection without = RawUapiConnection.Open(_plain.SocketPath);
        withRouter.Send("get=1\n\n");
        without.Send("get=1\n\n");
        Assert.Equal(await without.ReadReplyAsync(), await withRouter.ReadReplyAsync());
    }

    [Theory]
    [InlineData("wgsharp-get=1\nmax_flows=-1\n\n")]
    [InlineData("wgsharp-get=1\nmax_flows=1\nmax_flows=1\n\n")]
    [InlineData("wgsharp-get=1\nverbose=1\n\n")]
    public async Task Get_with_bad_request_lines_is_EINVAL(string request)
    {
        using RawUapiConnection connection = RawUapiConnection.Open(_server.SocketPath);
        connection.Send(request);
        Assert.Equal("errno=-22\n\n", await connection.ReadReplyAsync());
    }

    [Fact]
    public async Task Get_caps_max_flows()
    {
        using RawUapiConnection connection = RawUapiConnection.Open(_server.SocketPath);
        connection.Send("wgsharp-get=1\nmax_flows=4000000000\n\n");
        string? reply = await connection.ReadReplyAsync();
        Assert.EndsWith("errno=0\n\n", reply);
        Assert.Equal(UapiServer.MaxFlowsPerReply, _router.LastMaxFlows);
        connection.Send("wgsharp-get=1\n\n");
        Assert.StartsWith("version=1\nmss_clamp=off\nsnapshot=1\nflow_count=0\n", await connection.ReadReplyAsync());
        Assert.Equal(0, _router.LastMaxFlows);
    }

    [Fact]
    public async Task Without_a_router_the_operations_are_unknown()
    {
        using (RawUapiConnection connection = RawUapiConnection.Open(_plain.SocketPath))
        {
            connection.Send("wgsharp-set=1\nversion=1\n\n");
            Assert.Null(await connection.ReadReplyAsync());
        }

        using UapiClient client = await UapiClient.ConnectAsync("wgplain0", _directory);
        Assert.Null(await client.TryGetRouterInfoAsync(10));
        using UapiClient second = await UapiClient.ConnectAsync("wgplain0", _directory);
        ConfigurationException e = await Assert.ThrowsAsync<ConfigurationException>(() => second.SetRouterConfigurationAsync(RouterSamples.Full));
        Assert.Equal(ConfigurationErrno.ProtocolError, e.Errno);
    }
}
