// The state file: what `up` recorded comes back exactly (routes and rules turn into the same delete
// requests), it is replaced atomically, a damaged file is an error rather than "not up", and the locks
// keep two runs for one interface apart.
using System.Net.Sockets;
using WgSharp.Cli.Host;
using WgSharp.Cli.Tests.Support;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Tests.Quick;

public sealed class QuickStateStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(TestNames.TempDirectory(), "run");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);

    private static QuickState Sample() => new()
    {
        Interface = "wg7",
        ConfigPath = "/etc/wireguard/wg7.conf",
        NetworkNamespace = 4026531840,
        Phase = QuickPhase.Up,
        Started = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
        Daemon = new StateDaemon { Pid = 4242, StartTime = 987654 },
        FirewallMark = 51820,
        PolicyTable = 51820,
        DefaultRoutes =
        [
            new StateDefaultRoute { Family = AddressFamily.InterNetwork, Mode = DefaultRouteMode.PolicyRules },
            new StateDefaultRoute { Family = AddressFamily.InterNetworkV6, Mode = DefaultRouteMode.SplitRoutes, Reason = "no rules" },
        ],
        Addresses = ["10.5.0.2/32", "fd05::2/128"],
        Routes =
        [
            StateRoute.From(new RouteEntry { Destination = RoutePrefix.Parse("0.0.0.0/0"), OutputInterfaceName = "wg7", Table = 51820 }),
            StateRoute.From(new RouteEntry { Destination = RoutePrefix.Parse("2001:db8::7/128"), OutputInterfaceName = "eth1", Gateway = System.Net.IPAddress.Parse("fe80::1") }),
        ],
        Rules =
        [
            StateRule.From(new RuleEntry { Family = AddressFamily.InterNetwork, Priority = 32765, Invert = true, FwMark = 51820, Table = 51820 }),
            StateRule.From(new RuleEntry { Family = AddressFamily.InterNetwork, Priority = 32764, Table = 254, SuppressPrefixLength = 0 }),
            StateRule.From(KernelRules.TunnelAddressGuard(System.Net.IPAddress.Parse("10.5.0.2"), "wg7")[2]),
        ],
        LocalRuleMoves =
        [
            new StateLocalRuleMove
            {
                Family = AddressFamily.InterNetwork,
                Original = StateRule.From(new RuleEntry { Family = AddressFamily.InterNetwork, Priority = 0, Table = 255, Protocol = RouteProtocol.Kernel }),
                TemporaryPriority = 1,
            },
        ],
        Sysctls = [UpPlanner.SourceValidMarkKey],
        ResolvconfInterface = "tun.wg7",
    };

    [Fact]
    public void A_saved_state_loads_back_with_every_item_and_gives_the_same_delete_requests()
    {
        var store = new QuickStateStore(_directory);
        QuickState saved = Sample();
        store.Save(saved);

        QuickState loaded = store.Load("wg7")!;
        Assert.Equal((saved.Interface, saved.ConfigPath, saved.NetworkNamespace, saved.Phase, saved.Started), (loaded.Interface, loaded.ConfigPath, loaded.NetworkNamespace, loaded.Phase, loaded.Started));
        Assert.Equal((4242, 987654UL), (loaded.Daemon!.Pid, loaded.Daemon.StartTime));
        Assert.Equal(((uint?)51820, (uint?)51820), (loaded.FirewallMark, loaded.PolicyTable));
        Assert.True(loaded.Uses(AddressFamily.InterNetwork, DefaultRouteMode.PolicyRules));
        Assert.True(loaded.Uses(AddressFamily.InterNetworkV6, DefaultRouteMode.SplitRoutes));
        Assert.Equal("no rules", loaded.DefaultRoutes[1].Reason);
        Assert.Equal(saved.Addresses, loaded.Addresses);
        Assert.Equal(saved.Routes.Select(r => r.ToRouteEntry().ToCommandArguments()), loaded.Routes.Select(r => r.ToRouteEntry().ToCommandArguments()));
        Assert.Equal(["0.0.0.0/0 dev wg7 table 51820", "2001:db8::7/128 via fe80::1 dev eth1"], loaded.Routes.Select(r => r.ToRouteEntry().ToCommandArguments()));
        Assert.Equal(
            ["pref 32765 not fwmark 51820 table 51820", "pref 32764 table main suppress_prefixlength 0", "pref 0 to 10.5.0.2/32 blackhole proto static"],
            loaded.Rules.Select(r => r.ToRuleEntry().ToCommandArguments()));
        Assert.Equal(saved.Rules.Select(r => r.ToRuleEntry()), loaded.Rules.Select(r => r.ToRuleEntry()));
        StateLocalRuleMove move = Assert.Single(loaded.LocalRuleMoves);
        Assert.Equal((AddressFamily.InterNetwork, 1u, "pref 0 table local proto kernel"), (move.Family, move.TemporaryPriority, move.Original.ToRuleEntry().ToCommandArguments()));
        Assert.Equal([UpPlanner.SourceValidMarkKey], loaded.Sysctls);
        Assert.Equal("tun.wg7", loaded.ResolvconfInterface);
    }

    [Fact]
    public void The_file_is_readable_json_owned_by_root_only_and_replaced_without_leftovers()
    {
        var store = new QuickStateStore(_directory);
        store.Save(Sample());
        QuickState changed = Sample();
        changed.Phase = QuickPhase.Starting;
        store.Save(changed);

        string text = File.ReadAllText(store.PathFor("wg7"));
        Assert.Contains("\"Phase\": \"Starting\"", text);
        Assert.Contains("\"Mode\": \"PolicyRules\"", text);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.PathFor("wg7")));
        Assert.Equal(QuickStateStore.DirectoryMode, File.GetUnixFileMode(_directory));
        Assert.Equal(["wg7.state"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public void No_file_means_not_up_and_a_damaged_one_is_an_error()
    {
        var store = new QuickStateStore(_directory);
        Assert.Null(store.Load("wg7"));
        Assert.False(store.Exists("wg7"));

        Directory.CreateDirectory(_directory);
        File.WriteAllText(store.PathFor("wg7"), "{ \"Version\": 1, \"Interface\": ");
        Assert.Contains("damaged", Assert.Throws<QuickException>(() => store.Load("wg7")).Message);

        File.WriteAllText(store.PathFor("wg7"), "{ \"Version\": 1, \"Interface\": \"wg8\" }");
        Assert.Contains("not a wgsharp state file", Assert.Throws<QuickException>(() => store.Load("wg7")).Message);
    }

    [Fact]
    public void One_run_at_a_time_per_interface()
    {
        var store = new QuickStateStore(_directory);
        using (store.LockInterface("wg7"))
        {
            Assert.Contains("another", Assert.Throws<QuickException>(() => store.LockInterface("wg7")).Message);
            using (store.LockInterface("wg8"))
            {
                // Other interfaces are independent.
            }
        }

        using (store.LockInterface("wg7"))
        {
            // Released by the first holder's Dispose.
        }
    }

    [Fact]
    public async Task The_shared_lock_waits_for_its_holder()
    {
        var store = new QuickStateStore(_directory);
        IDisposable first = store.LockShared();
        var released = new ManualResetEventSlim();
        Task second = Task.Run(() =>
        {
            using IDisposable held = store.LockShared();
            Assert.True(released.IsSet);
        });
        await Task.Delay(200);
        Assert.False(second.IsCompleted);
        released.Set();
        first.Dispose();
        await second.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void The_shared_lock_gives_up_when_the_injected_clock_says_the_wait_is_over()
    {
        var holder = new QuickStateStore(_directory);
        using IDisposable held = holder.LockShared();
        var clock = new LeapingClock(TimeSpan.FromSeconds(16));
        var waiting = new QuickStateStore(_directory, clock);

        QuickException error = Assert.Throws<QuickException>(() => waiting.LockShared());

        Assert.Contains("stayed locked for 15 s", error.Message);
        Assert.InRange(clock.Readings, 2, 3); // the start, then one look after the first refusal: no 15 s of real waiting
    }

    // Every reading is one leap later than the one before.
    private sealed class LeapingClock(TimeSpan leap) : TimeProvider
    {
        public int Readings { get; private set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => leap.Ticks * Readings++;
    }
}
