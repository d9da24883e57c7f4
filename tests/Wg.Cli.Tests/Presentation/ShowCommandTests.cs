// `wgsharp show` and `showconf` run in-process against UapiServers in a private socket directory:
// which interfaces are listed (stale sockets and strangers skipped), the argument rules and error
// messages of wg, and the environment switches for colors and keys.
using System.Net.Sockets;
using WgSharp.Cli.Commands;
using WgSharp.Cli.Presentation;
using WgSharp.Cli.Tests.Support;
using WgSharp.Cli.Uapi;

namespace WgSharp.Cli.Tests.Show;

public sealed class ShowCommandTests : IAsyncLifetime
{
    private readonly string _directory = TestNames.TempDirectory();
    private readonly List<UapiServer> _servers = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (UapiServer server in _servers)
        {
            await server.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private ShowOptions Options => new(false, true, new FrozenClock(ShowSamples.Now), _directory);

    private CommandOutput Show(params string[] args) => ShowSamples.Run(context => ShowCommand.Run(context, args, Options));

    private void Serve(string name, FakeState state)
    {
        var device = new FakeDevice();
        device.Set(state);
        _servers.Add(UapiServer.Start(name, device, socketDirectory: _directory));
    }

    // A socket file nobody listens on, as a killed daemon leaves behind (.NET deletes the path it bound
    // when the socket closes, so the file is renamed away from it first).
    private void StaleSocket(string name)
    {
        string temporary = Path.Combine(_directory, "bind-" + name);
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            socket.Bind(new UnixDomainSocketEndPoint(temporary));
            File.Move(temporary, Path.Combine(_directory, name + ".sock"));
        }

        Assert.True(File.Exists(Path.Combine(_directory, name + ".sock")));
    }

    [Fact]
    public void All_lists_live_daemons_only_separated_by_a_blank_line()
    {
        Serve("wgone", new FakeState { ListenPort = 1 });
        Serve("wgtwo", new FakeState { ListenPort = 2 });
        StaleSocket("wgdead");
        File.WriteAllText(Path.Combine(_directory, "wgfile.sock"), "not a socket");
        File.WriteAllText(Path.Combine(_directory, "wgone.sock.tmp"), "");

        List<string> names = InterfaceDiscovery.List(_directory);
        Assert.Equal(["wgone", "wgtwo"], names.Order());

        CommandOutput all = Show("all");
        Assert.Equal(0, all.ExitCode);
        Assert.Equal(string.Join('\n', names.Select(n => $"interface: {n}\n  listening port: {(n == "wgone" ? 1 : 2)}\n")), all.Output);
        Assert.Equal(all.Output, Show().Output);
        Assert.Equal(string.Join(' ', names) + "\n", Show("interfaces").Output);
        Assert.Equal(string.Concat(names.Select(n => $"{n}\t{(n == "wgone" ? 1 : 2)}\n")), Show("all", "listen-port").Output);

        // Skipping is all `show` does: the stale socket is still there.
        Assert.True(File.Exists(Path.Combine(_directory, "wgdead.sock")));
    }

    [Fact]
    public void No_interfaces_print_nothing_and_succeed()
    {
        Assert.Equal(new CommandOutput(0, "", ""), Show("all"));
        Assert.Equal(new CommandOutput(0, "", ""), Show("interfaces"));
        Assert.Equal(new CommandOutput(0, "", ""), ShowSamples.Run(context =>
            ShowCommand.Run(context, ["all"], Options with { SocketDirectory = Path.Combine(_directory, "missing") })));
    }

    [Fact]
    public void A_missing_interface_is_no_such_device()
    {
        CommandOutput output = Show("wgnothere");
        Assert.Equal(1, output.ExitCode);
        Assert.Equal("", output.Output);
        Assert.Equal("Unable to access interface: No such device\n", output.Error);

        StaleSocket("wgstale");
        Assert.Equal("Unable to access interface: Connection refused\n", Show("wgstale", "dump").Error);
        Assert.Equal("Unable to access interface: Invalid argument\n", Show("wg/x").Error);
        Assert.Equal("Unable to access interface: No such device\n",
            ShowSamples.Run(context => ShowConfCommand.Run(context, ["wgnothere"], Options)).Error);
    }

    [Fact]
    public void Argument_errors_print_the_usage_and_fail()
    {
        Serve("wgone", new FakeState());
        string usage = $"Usage: wgsharp show {ShowCommand.Arguments}\n";

        CommandOutput invalid = Show("wgone", "bogus");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Equal("Invalid parameter: `bogus'\n" + usage, invalid.Error);
        Assert.Equal(new CommandOutput(1, "", usage), Show("wgone", "dump", "extra"));
        Assert.Equal(new CommandOutput(1, "", usage), Show("interfaces", "dump"));
        Assert.Equal(new CommandOutput(0, usage, ""), Show("help"));
        Assert.Equal(1, Show("all", "bogus").ExitCode);

        Assert.Equal(new CommandOutput(1, "", "Usage: wgsharp showconf <interface>\n"),
            ShowSamples.Run(context => ShowConfCommand.Run(context, [], Options)));
    }

    [Fact]
    public void One_interface_in_readable_dump_and_conf_forms()
    {
        Serve("wgone", ShowSamples.State(ShowSamples.Now));
        CommandOutput readable = Show("wgone");
        Assert.Equal(0, readable.ExitCode);
        Assert.StartsWith($"interface: wgone\n  public key: {ShowSamples.OwnPublic}\n  private key: (hidden)\n", readable.Output);
        Assert.Contains("  latest handshake: 1 minute, 3 seconds ago\n", readable.Output);

        CommandOutput dump = Show("wgone", "dump");
        Assert.Equal(4, dump.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.StartsWith(ShowSamples.B64(TestKeys.Private(1)) + "\t", dump.Output);

        CommandOutput conf = ShowSamples.Run(context => ShowConfCommand.Run(context, ["wgone"], Options));
        Assert.Equal(0, conf.ExitCode);
        Assert.StartsWith($"[Interface]\nListenPort = 51820\nFwMark = 0x20\nPrivateKey = {ShowSamples.B64(TestKeys.Private(1))}\n\n[Peer]\n", conf.Output);
    }

    [Theory]
    [InlineData(null, false, false)]
    [InlineData(null, true, true)]
    [InlineData("always", false, true)]
    [InlineData("never", true, false)]
    [InlineData("auto", true, true)]
    [InlineData("Always", false, false)]
    public void Color_mode_follows_wg(string? mode, bool terminal, bool colors)
    {
        ShowOptions options = ShowOptions.FromEnvironment(name => name == "WG_COLOR_MODE" ? mode : null, terminal);
        Assert.Equal(colors, options.Colors);
        Assert.True(options.HideKeys);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("never", false)]
    [InlineData("always", true)]
    public void Keys_are_hidden_unless_WG_HIDE_KEYS_is_never(string? value, bool hidden) =>
        Assert.Equal(hidden, ShowOptions.FromEnvironment(name => name == "WG_HIDE_KEYS" ? value : null, false).HideKeys);
}
