// UapiServer over a real Unix socket in a private directory: the protocol (several operations per
// connection, errno replies), hostile input, serialization of operations, and the socket file's
// life cycle (mode 0600, stale replaced, live refused, removal noticed).
using System.Net.Sockets;
using System.Text;
using WgSharp.Cli.Tests.Support;
using WgSharp.Cli.Uapi;
using Xunit.Abstractions;

namespace WgSharp.Cli.Tests.Uapi;

public sealed class UapiServerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _directory = TestNames.TempDirectory();
    private readonly FakeDevice _device = new();
    private readonly List<string> _log = [];
    private UapiServer _server = null!;

    public Task InitializeAsync()
    {
        _server = UapiServer.Start("wgtest0", _device, Log, _directory, TimeSpan.FromMilliseconds(50));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private void Log(string line)
    {
        lock (_log)
        {
            _log.Add(line);
        }
    }

    private RawUapiConnection Connect() => RawUapiConnection.Open(_server.SocketPath);

    [Fact]
    public void Socket_is_created_with_mode_0600()
    {
        Assert.Equal(Path.Combine(_directory, "wgtest0.sock"), _server.SocketPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_server.SocketPath));
    }

    [Fact]
    public async Task Missing_directory_is_created_0755()
    {
        string nested = Path.Combine(_directory, "run", "wireguard");
        await using UapiServer server = UapiServer.Start("wgtest1", new FakeDevice(), socketDirectory: nested);
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(nested));
    }

    [Fact]
    public async Task Several_operations_share_one_connection()
    {
        using RawUapiConnection connection = Connect();
        connection.Send("get=1\n\n");
        Assert.Equal("errno=0\n\n", await connection.ReadReplyAsync());
        connection.Send("set=1\nlisten_port=51820\nfwmark=7\n\n");
        Assert.Equal("errno=0\n\n", await connection.ReadReplyAsync());
        connection.Send("get=1\n\nget=1\n\n"); // pipelined
        Assert.Equal("listen_port=51820\nfwmark=7\nerrno=0\n\n", await connection.ReadReplyAsync());
        Assert.Equal("listen_port=51820\nfwmark=7\nerrno=0\n\n", await connection.ReadReplyAsync());
    }

    [Fact]
    public async Task Bad_line_is_refused_with_its_errno_and_nothing_is_applied()
    {
        using RawUapiConnection connection = Connect();
        connection.Send("set=1\nlisten_port=1\nno-equals-sign\n\n");
        Assert.Equal("errno=-71\n\n", await connection.ReadReplyAsync());
        connection.Send("set=1\nlisten_port=2\nlisten_port=65536\n\n");
        Assert.Equal("errno=-22\n\n", await connection.ReadReplyAsync());
        connection.Send("set=1\nlisten_port=3\nwhat=ever\n\n");
        Assert.Equal("errno=-22\n\n", await connection.ReadReplyAsync());
        Assert.Equal(0, _device.ApplyCount);

        // The connection is still usable after refusals.
        connection.Send("get=1\n\n");
        Assert.Equal("errno=0\n\n", await connection.ReadReplyAsync());
        Assert.Contains(_log, l => l.Contains("errno -71", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Device_refusal_is_answered_with_the_device_errno()
    {
        _device.PortsInUse.Add(53);
        using RawUapiConnection connection = Connect();
        connection.Send("set=1\nfwmark=1\nlisten_port=53\n\n");
        Assert.Equal("errno=-98\n\n", await connection.ReadReplyAsync());
        Assert.Equal(0u, _device.State.FirewallMark); // atomic: the fwmark was not applied either
    }

    [Fact]
    public async Task Crlf_lines_are_accepted_in_set_requests()
    {
        using RawUapiConnection connection = Connect();
        connection.Send("set=1\nlisten_port=4242\r\n\r\n");
        Assert.Equal("errno=0\n\n", await connection.ReadReplyAsync());
        Assert.Equal(4242, _device.State.ListenPort);
    }

    [Fact]
    public async Task Unknown_operation_closes_the_connection_without_reply()
    {
        using RawUapiConnection connection = Connect();
        connection.Send("frob=1\n\n");
        Assert.Null(await connection.ReadReplyAsync());
    }

    [Fact]
    public async Task Get_followed_by_anything_but_a_blank_line_is_EINVAL()
    {
        using RawUapiConnection connection = Connect();
        connection.Send("get=1\nlisten_port=1\n\n");
        Assert.Equal("errno=-22\n\n", await connection.ReadReplyAsync());
        Assert.True(await connection.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Set_cut_short_by_end_of_stream_applies_nothing()
    {
        using (RawUapiConnection connection = Connect())
        {
            connection.Send("set=1\nlisten_port=999\n");
            connection.Socket.Shutdown(SocketShutdown.Send);
            Assert.Null(await connection.ReadReplyAsync());
        }

        Assert.Equal(0, _device.ApplyCount);
    }

    [Fact]
    public async Task Over_long_line_is_refused_and_the_connection_closed()
    {
        using RawUapiConnection connection = Connect();
        connection.Send("set=1\nallowed_ip=" + new string('1', 100_000) + "\n\n");
        Assert.Equal("errno=-90\n\n", await connection.ReadReplyAsync());
        Assert.True(await connection.IsClosedByServerAsync());
        Assert.Equal(0, _device.ApplyCount);
    }

    [Fact]
    public async Task Hundred_megabyte_request_is_refused_before_it_is_read_in_full()
    {
        using RawUapiConnection connection = Connect();
        byte[] line = Encoding.ASCII.GetBytes("allowed_ip=10.0.0.0/8\n");
        byte[] chunk = new byte[line.Length * 10_000];
        for (int i = 0; i < 10_000; i++)
        {
            line.CopyTo(chunk, i * line.Length);
        }

        long sent = 0;
        Task sender = Task.Run(() =>
        {
            try
            {
                connection.Socket.Send("set=1\npublic_key="u8.ToArray());
                connection.Socket.Send(Encoding.ASCII.GetBytes(TestKeys.Public(1).ToHex() + "\n"));
                while (sent < 100_000_000)
                {
                    connection.Socket.Send(chunk);
                    sent += chunk.Length;
                }
            }
            catch (SocketException)
            {
                // EPIPE / ECONNRESET: the server stopped reading, as it should.
            }
        });

        Assert.Equal("errno=-90\n\n", await connection.ReadReplyAsync());
        await sender.WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"the client sent {sent:N0} bytes of a 100 MB request before the server closed");
        Assert.True(sent < 40_000_000, $"the client managed to send {sent} bytes");
        Assert.Equal(0, _device.ApplyCount);

        using RawUapiConnection next = Connect(); // the server is still serving
        next.Send("get=1\n\n");
        Assert.Equal("errno=0\n\n", await next.ReadReplyAsync());
    }

    [Fact]
    public async Task Sixty_five_thousand_allowed_ips_go_through_the_socket()
    {
        var request = new StringBuilder("set=1\npublic_key=" + TestKeys.Public(1).ToHex() + "\nreplace_allowed_ips=true\n");
        for (int i = 0; i < 65_536; i++)
        {
            request.Append($"allowed_ip=fd00:{i >> 8:x}:{i & 0xFF:x}::/48\n");
        }

        using RawUapiConnection connection = Connect();
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        connection.Send(request.Append('\n').ToString());
        Assert.Equal("errno=0\n\n", await connection.ReadReplyAsync());
        output.WriteLine($"set with 65,536 allowed IPs answered in {stopwatch.Elapsed.TotalMilliseconds:F0} ms (fake device included)");
        Assert.Equal(65_536, _device.State.Peers[0].AllowedIps.Count);

        connection.Send("get=1\n\n");
        string? reply = await connection.ReadReplyAsync();
        Assert.NotNull(reply);
        Assert.Equal(65_536, reply.Split('\n').Count(l => l.StartsWith("allowed_ip=", StringComparison.Ordinal)));
        Assert.Contains("allowed_ip=fd00:ff:ff::/48\n", reply);
    }

    [Fact]
    public async Task Operations_from_many_connections_never_overlap()
    {
        _device.CallDuration = TimeSpan.FromMilliseconds(10);
        async Task Client(int n)
        {
            using RawUapiConnection connection = Connect();
            for (int i = 0; i < 15; i++)
            {
                connection.Send(i % 2 == 0 ? $"set=1\nlisten_port={(n * 100) + i}\n\n" : "get=1\n\n");
                string? reply = await connection.ReadReplyAsync();
                Assert.NotNull(reply);
                Assert.EndsWith("errno=0\n\n", reply);
            }
        }

        await Task.WhenAll(Enumerable.Range(1, 8).Select(Client)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(_device.SawOverlap);
        Assert.Equal(8 * 8, _device.ApplyCount);
    }

    [Fact]
    public async Task Connections_beyond_the_limit_are_closed_at_once()
    {
        var idle = new List<RawUapiConnection>();
        try
        {
            for (int i = 0; i < UapiServer.MaxConnections; i++)
            {
                idle.Add(Connect());
            }

            // Give the accept loop time to take them all.
            using (RawUapiConnection probe = idle[^1])
            {
                probe.Send("get=1\n\n");
                Assert.Equal("errno=0\n\n", await probe.ReadReplyAsync());
            }

            idle.RemoveAt(idle.Count - 1);
            await Task.Delay(200); // the probe's slot is released asynchronously
            idle.Add(Connect());
            using RawUapiConnection extra = Connect();
            Assert.True(await extra.IsClosedByServerAsync());
        }
        finally
        {
            idle.ForEach(c => c.Dispose());
        }

        using RawUapiConnection after = Connect();
        after.Send("get=1\n\n");
        Assert.Equal("errno=0\n\n", await after.ReadReplyAsync());
    }

    [Fact]
    public async Task Live_socket_is_refused_and_a_stale_one_replaced()
    {
        Assert.Throws<UapiSocketInUseException>(() => UapiServer.Start("wgtest0", new FakeDevice(), socketDirectory: _directory));

        // A socket file nobody listens on any more (its daemon died). .NET deletes the path a socket
        // was bound to when it is disposed, so bind elsewhere and move the file into place.
        string stale = Path.Combine(_directory, "wgtest2.sock");
        string bound = Path.Combine(_directory, "bound.tmp");
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            dead.Bind(new UnixDomainSocketEndPoint(bound));
            File.Move(bound, stale);
        }

        Assert.True(File.Exists(stale));
        await using UapiServer server = UapiServer.Start("wgtest2", new FakeDevice(), socketDirectory: _directory);
        using RawUapiConnection connection = RawUapiConnection.Open(stale);
        connection.Send("get=1\n\n");
        Assert.Equal("errno=0\n\n", await connection.ReadReplyAsync());
    }

    [Fact]
    public void A_file_that_is_not_a_socket_is_left_alone()
    {
        string path = Path.Combine(_directory, "wgtest3.sock");
        File.WriteAllText(path, "keep me");
        Assert.Throws<IOException>(() => UapiServer.Start("wgtest3", new FakeDevice(), socketDirectory: _directory));
        Assert.Equal("keep me", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("name-too-long-16")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("a b")]
    public void Invalid_interface_names_are_refused(string name) =>
        Assert.Throws<ArgumentException>(() => UapiServer.Start(name, new FakeDevice(), socketDirectory: _directory));

    [Fact]
    public async Task Deleting_the_socket_file_is_reported()
    {
        Assert.False(_server.SocketRemoved.IsCompleted);
        File.Delete(_server.SocketPath);
        await _server.SocketRemoved.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Replacing_the_socket_file_is_reported_and_dispose_leaves_the_new_one()
    {
        string path = Path.Combine(_directory, "wgtest4.sock");
        UapiServer server = UapiServer.Start("wgtest4", new FakeDevice(), socketDirectory: _directory, pollInterval: TimeSpan.FromMilliseconds(50));
        File.Delete(path);
        using var newer = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        newer.Bind(new UnixDomainSocketEndPoint(path));
        newer.Listen(1);
        await server.SocketRemoved.WaitAsync(TimeSpan.FromSeconds(10));
        await server.DisposeAsync();
        Assert.True(File.Exists(path), "dispose removed a socket that was not its own");
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp")); // and left no temporary file behind
    }

    [Fact]
    public async Task Dispose_removes_the_socket_and_closes_open_connections()
    {
        string path = Path.Combine(_directory, "wgtest5.sock");
        UapiServer server = UapiServer.Start("wgtest5", new FakeDevice(), socketDirectory: _directory);
        using RawUapiConnection idle = RawUapiConnection.Open(path);
        idle.Send("get=1\n\n");
        Assert.Equal("errno=0\n\n", await idle.ReadReplyAsync());
        await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(File.Exists(path));
        Assert.True(await idle.IsClosedByServerAsync());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server.SocketRemoved);
    }

    [Fact]
    public async Task Log_never_contains_keys()
    {
        string privateHex = TestKeys.Hex(TestKeys.Private(3));
        using RawUapiConnection connection = Connect();
        connection.Send($"set=1\nprivate_key={privateHex}\nlisten_port=x\n\n");
        Assert.Equal("errno=-22\n\n", await connection.ReadReplyAsync());
        connection.Send($"set=1\nprivate_key={privateHex[..60]}\n\n");
        Assert.Equal("errno=-22\n\n", await connection.ReadReplyAsync());
        lock (_log)
        {
            Assert.NotEmpty(_log);
            Assert.DoesNotContain(_log, l => l.Contains(privateHex[..20], StringComparison.OrdinalIgnoreCase));
        }
    }
}
