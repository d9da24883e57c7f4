// The router step of `wgsharp up`: which table when-up routes go in, the `[#] wgsharp policy` line, the
// configuration that reaches the daemon, nothing at all for a plain file, and a refusal as a QuickException
// (which makes up roll back).
using WgSharp.Cli.Commands;
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Host;
using WgSharp.Cli.Tests.Support;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;
using static WgSharp.Cli.Tests.Config.ConfigTestKeys;

namespace WgSharp.Cli.Tests.Quick;

public sealed class UpRouterStepTests : IAsyncLifetime
{
    private readonly string _directory = TestNames.TempDirectory();
    private readonly FakeRouter _router = new();
    private UapiServer _server = null!;

    public Task InitializeAsync()
    {
        _server = UapiServer.Start("wgup0", new FakeDevice(), socketDirectory: _directory, router: _router);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private string Apply(string text, uint? table)
    {
        using InterfaceConfig config = ParseValid(text);
        var output = new StringWriter();
        UpCommand.ApplyRouterConfiguration(config, "wgup0", table, new QuickConsole(output), _directory);
        return output.ToString();
    }

    private static string Interface => $"[Interface]\nPrivateKey = {PrivateBase64(1)}\nAddress = 10.9.0.1/24\n";

    [Fact]
    public void The_policy_reaches_the_daemon_with_one_line_of_output()
    {
        string output = Apply(Interface + $"MssClamp = 1360\n[Peer]\nName = nord\nPublicKey = {PublicBase64(1)}\n"
            + "[Rule]\nPeer = nord\nMasquerade = yes\n[Rule]\nAction = drop\n[Forward]\nProtocol = tcp\nPort = 8080\nTo = 10.9.0.7:80\n", 51820);
        Assert.Equal("[#] wgsharp policy: 2 rules, 1 forwards, mss clamp 1360, relay kernel\n", output.Replace("\r", ""));
        RouterConfiguration applied = _router.RouterConfiguration;
        Assert.Equal(2, applied.Rules.Count);
        Assert.Single(applied.Forwards);
        Assert.Equal(1360, applied.MssClamp);
        Assert.Equal(51820u, applied.WhenUpRouteTable);
    }

    [Fact]
    public void A_plain_file_sends_nothing_and_prints_nothing()
    {
        Assert.Equal("", Apply(Interface + $"[Peer]\nPublicKey = {PublicBase64(1)}\n", 51820));
        Assert.Equal(0, _router.SetCount);
    }

    [Fact]
    public void A_refusal_is_a_QuickException_with_the_reason()
    {
        _router.Refusal = new ConfigurationException(ConfigurationErrno.InvalidArgument, "MssClamp 1360 is above the MTU");
        QuickException e = Assert.Throws<QuickException>(() => Apply(Interface + "MssClamp = 1360\n", null));
        Assert.Equal("the daemon of 'wgup0' refused the policy ([Rule], [Forward], MssClamp, peer options): MssClamp 1360 is above the MTU", e.Message);
    }
}
