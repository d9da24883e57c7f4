// WhenUpRouteKeeper against a fake device and fake routing tables: routes of `Routes = when-up` peers exist
// exactly while the peer is live, in the configured table, follow AllowedIPs and configuration changes, leave
// others' routes alone, and are all removed when the keeper is disposed; the per-peer [Rule] steering tables
// `up` recorded get their default route exactly while their peer is live.
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using WgSharp.Cli.Host;
using WgSharp.Cli.Tests.Support;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Tun;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Tests.Quick;

public class WhenUpRouteKeeperTests
{
    private static readonly PublicKey Nord = TestKeys.Public(1);
    private static readonly PublicKey Backup = TestKeys.Public(2);
    private static readonly PublicKey Plain = TestKeys.Public(3);

    private sealed class FakeDevice : WhenUpRouteKeeper.IDevice
    {
        public event Action<PublicKey, bool>? PeerLivenessChanged;

        public RouterConfiguration RouterConfiguration { get; set; } = RouterConfiguration.Empty;

        public Dictionary<PublicKey, string[]> AllowedIps { get; } = [];

        public int Snapshots { get; private set; }

        public DeviceSnapshot GetSnapshot()
        {
            Snapshots++;
            return new DeviceSnapshot
            {
                Peers = [.. AllowedIps.Select(p => new PeerSnapshot { PublicKey = p.Key, AllowedIps = [.. p.Value.Select(IPNetwork.Parse)] })],
            };
        }

        /// <summary>Peers the device holds live (whatever the configuration says; the keeper filters).</summary>
        public HashSet<PublicKey> Live { get; } = [];

        public IReadOnlyCollection<PublicKey> LiveWhenUpPeers()
        {
            lock (Live)
            {
                return [.. Live.Where(p => RouterConfiguration.Peers.Any(o => o.PublicKey == p && o.RoutesWhenUp))];
            }
        }

        /// <summary>The peer's liveness flips, and the device says so.</summary>
        public void Raise(PublicKey peer, bool live)
        {
            lock (Live)
            {
                _ = live ? Live.Add(peer) : Live.Remove(peer);
            }

            PeerLivenessChanged?.Invoke(peer, live);
        }

        /// <summary>The peer's liveness flips without an event (a configuration made an already live peer when-up).</summary>
        public void SetSilently(PublicKey peer, bool live)
        {
            lock (Live)
            {
                _ = live ? Live.Add(peer) : Live.Remove(peer);
            }
        }

        public bool HasSubscribers => PeerLivenessChanged is not null;
    }

    private sealed class FakeRoutes : WhenUpRouteKeeper.IRoutes
    {
        private readonly Lock _lock = new();

        public List<RouteEntry> Table { get; } = [];

        public List<string> Log { get; } = [];

        /// <summary>Errno the next add of this destination fails with.</summary>
        public Dictionary<string, int> FailAdd { get; } = [];

        public void AddRoute(RouteEntry route)
        {
            lock (_lock)
            {
                if (FailAdd.Remove(route.Destination.ToString(), out int errno))
                {
                    throw new NetlinkException("ip route add " + route.ToCommandArguments(), errno);
                }

                if (Table.Exists(r => r.Destination == route.Destination && r.Table == route.Table && r.Metric == route.Metric))
                {
                    throw new NetlinkException("ip route add " + route.ToCommandArguments(), (int)Errno.EEXIST);
                }

                Table.Add(route);
                Log.Add("add " + route.ToCommandArguments());
            }
        }

        public void DeleteRoute(RouteEntry route)
        {
            lock (_lock)
            {
                if (Table.RemoveAll(r => r == route) == 0)
                {
                    throw new NetlinkException("ip route del " + route.ToCommandArguments(), (int)Errno.ESRCH);
                }

                Log.Add("del " + route.ToCommandArguments());
            }
        }

        public string[] Lines()
        {
            lock (_lock)
            {
                return [.. Table.Select(r => r.ToCommandArguments()).Order(StringComparer.Ordinal)];
            }
        }
    }

    private static FakeDevice Device(uint? table = 1234)
    {
        var device = new FakeDevice
        {
            RouterConfiguration = new RouterConfiguration
            {
                Peers =
                [
                    new RouterPeerOptions(Nord, "nord", false, RoutesWhenUp: true),
                    new RouterPeerOptions(Backup, "backup", false, RoutesWhenUp: true),
                    new RouterPeerOptions(Plain, "plain", false, RoutesWhenUp: false),
                ],
                WhenUpRouteTable = table,
            },
        };
        device.AllowedIps[Nord] = ["10.9.0.0/24", "fd09::/64"];
        device.AllowedIps[Backup] = ["10.7.0.0/16"];
        device.AllowedIps[Plain] = ["10.8.0.0/24"];
        return device;
    }

    private static WhenUpRouteKeeper Keeper(FakeDevice device, FakeRoutes routes) =>
        new(device, routes, "wg7", NullLogger.Instance);

    private sealed class FakeSteering : WhenUpRouteKeeper.ISteeringTables
    {
        public List<WhenUpRouteKeeper.SteeringTable> Tables { get; } = [];

        public IReadOnlyList<WhenUpRouteKeeper.SteeringTable> Read() => [.. Tables];
    }

    private static FakeSteering Steering() => new()
    {
        Tables =
        {
            new(Nord, AddressFamily.InterNetwork, 51821),
            new(Nord, AddressFamily.InterNetworkV6, 51821),
            new(Backup, AddressFamily.InterNetwork, 51822),
        },
    };

    [Fact]
    public async Task Steering_tables_get_their_default_route_exactly_while_their_peer_is_live_also_with_Table_off()
    {
        FakeDevice device = Device(table: null); // Table = off: no AllowedIPs routes, steering still
        var routes = new FakeRoutes();
        var keeper = new WhenUpRouteKeeper(device, routes, "wg7", NullLogger.Instance, Steering());

        keeper.Reconcile();
        Assert.Empty(routes.Table); // up installed the rules only: nothing is steered while the peer is down

        device.Raise(Nord, true);
        keeper.Reconcile();
        Assert.Equal(["0.0.0.0/0 dev wg7 table 51821 proto static metric 10", "::/0 dev wg7 table 51821 proto static metric 10"],
            routes.Lines());

        device.Raise(Backup, true);
        keeper.Reconcile();
        Assert.Contains("0.0.0.0/0 dev wg7 table 51822 proto static metric 10", routes.Lines());
        Assert.Equal(3, routes.Table.Count);

        device.Raise(Nord, false);
        keeper.Reconcile();
        Assert.Equal(["0.0.0.0/0 dev wg7 table 51822 proto static metric 10"], routes.Lines());

        device.Raise(Nord, true);
        keeper.Reconcile();
        Assert.Equal(3, routes.Table.Count);

        await keeper.DisposeAsync();
        Assert.Empty(routes.Table);
    }

    [Fact]
    public async Task A_default_route_with_a_table_of_its_own_goes_there_and_not_into_the_shared_table()
    {
        FakeDevice device = Device(table: IprouteNames.TableMain);
        device.AllowedIps[Nord] = ["0.0.0.0/0", "10.9.0.0/24"];
        var routes = new FakeRoutes();
        var steering = new FakeSteering { Tables = { new(Nord, AddressFamily.InterNetwork, 51820, DefaultRoute: true) } };
        await using var keeper = new WhenUpRouteKeeper(device, routes, "wg7", NullLogger.Instance, steering);

        device.Raise(Nord, true);
        keeper.Reconcile();
        Assert.Equal(["0.0.0.0/0 dev wg7 table 51820 proto static metric 10", "10.9.0.0/24 dev wg7 proto static metric 10"], routes.Lines());

        device.Raise(Nord, false);
        keeper.Reconcile();
        Assert.Empty(routes.Table);

        // A [Rule] steering table is no default route table: the peer's 0.0.0.0/0 still goes into the shared table.
        steering.Tables[0] = new(Nord, AddressFamily.InterNetwork, 51820);
        device.Raise(Nord, true);
        keeper.Reconcile();
        Assert.Contains("0.0.0.0/0 dev wg7 proto static metric 10", routes.Lines());
    }

    [Fact]
    public async Task Steering_and_AllowedIPs_routes_coexist_and_go_together_when_the_peer_dies()
    {
        FakeDevice device = Device();
        var routes = new FakeRoutes();
        await using var keeper = new WhenUpRouteKeeper(device, routes, "wg7", NullLogger.Instance, Steering());
        device.Raise(Nord, true);
        keeper.Reconcile();
        Assert.Equal(
        [
            "0.0.0.0/0 dev wg7 table 51821 proto static metric 10",
            "10.9.0.0/24 dev wg7 table 1234 proto static metric 10",
            "::/0 dev wg7 table 51821 proto static metric 10",
            "fd09::/64 dev wg7 table 1234 proto static metric 10",
        ], routes.Lines());

        device.Raise(Nord, false);
        keeper.Reconcile();
        Assert.Empty(routes.Table);
    }

    [Fact]
    public async Task Steering_follows_the_state_and_configuration_a_peer_made_always_steers_always_and_a_removed_peer_not()
    {
        FakeDevice device = Device();
        var routes = new FakeRoutes();
        FakeSteering steering = Steering();
        await using var keeper = new WhenUpRouteKeeper(device, routes, "wg7", NullLogger.Instance, steering);
        device.Raise(Backup, true);
        keeper.Reconcile();
        Assert.Contains("0.0.0.0/0 dev wg7 table 51822 proto static metric 10", routes.Lines());

        // The state file is gone (down removed it) or belongs to another daemon: the steering routes go.
        steering.Tables.Clear();
        keeper.Reconcile();
        Assert.Equal(["10.7.0.0/16 dev wg7 table 1234 proto static metric 10"], routes.Lines());

        // syncconf made Nord `Routes = always`: its rules steer whatever its liveness; without Backup in the
        // configuration, Backup's table gets nothing although its last event said live.
        steering.Tables.AddRange(Steering().Tables);
        device.RouterConfiguration = new RouterConfiguration
        {
            Peers = [new RouterPeerOptions(Nord, "nord", false, RoutesWhenUp: false)],
            WhenUpRouteTable = 1234,
        };
        keeper.Reconcile();
        Assert.Equal(["0.0.0.0/0 dev wg7 table 51821 proto static metric 10", "::/0 dev wg7 table 51821 proto static metric 10"],
            routes.Lines());
    }

    [Fact]
    public async Task A_peer_already_live_when_it_became_when_up_is_routed_without_any_event()
    {
        // The device raises no event for a peer that is live when the configuration makes it when-up: the keeper
        // must go by the device's liveness, not only by events.
        FakeDevice device = Device();
        var routes = new FakeRoutes();
        await using var keeper = new WhenUpRouteKeeper(device, routes, "wg7", NullLogger.Instance, Steering());
        device.SetSilently(Nord, true);
        keeper.Reconcile();
        Assert.Contains("0.0.0.0/0 dev wg7 table 51821 proto static metric 10", routes.Lines());
        Assert.Contains("10.9.0.0/24 dev wg7 table 1234 proto static metric 10", routes.Lines());

        device.SetSilently(Nord, false);
        keeper.Reconcile();
        Assert.Empty(routes.Table);
    }

    [Fact]
    public void The_plan_steers_only_for_the_daemon_and_namespace_it_names()
    {
        string directory = TestNames.TempDirectory();
        try
        {
            var store = new QuickStateStore(Path.Combine(directory, "run"));
            var state = new QuickState
            {
                Interface = "wg7",
                Daemon = new StateDaemon { Pid = 4242 },
                NetworkNamespace = 77,
                DaemonUser = new StateDaemonUser { Name = "root", Uid = 0, Gid = 0 },
            };
            state.WhenUpSteering.Add(new StateWhenUpSteering { PublicKey = Nord.ToBase64(), Family = AddressFamily.InterNetwork, Table = 51821 });
            state.WhenUpSteering.Add(new StateWhenUpSteering { PublicKey = "not a key", Family = AddressFamily.InterNetwork, Table = 51822 });
            state.WhenUpSteering.Add(new StateWhenUpSteering { PublicKey = Backup.ToBase64(), Family = AddressFamily.InterNetworkV6, Table = 0 });

            var ours = new WhenUpRouteKeeper.StateFileSteeringTables(store, "wg7", 4242, 77);
            Assert.Empty(ours.Read()); // no state file yet
            store.Save(state);
            Assert.Equal([new WhenUpRouteKeeper.SteeringTable(Nord, AddressFamily.InterNetwork, 51821)], ours.Read());
            Assert.Empty(new WhenUpRouteKeeper.StateFileSteeringTables(store, "wg7", 4243, 77).Read());
            Assert.Empty(new WhenUpRouteKeeper.StateFileSteeringTables(store, "wg7", 4242, 78).Read());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Routes_exist_exactly_while_the_peer_is_live_in_the_configured_table()
    {
        FakeDevice device = Device();
        var routes = new FakeRoutes();
        await using WhenUpRouteKeeper keeper = Keeper(device, routes);

        keeper.Reconcile();
        Assert.Empty(routes.Table);
        Assert.Equal(0, device.Snapshots); // no live when-up peer: the device is not even asked

        device.Raise(Nord, true);
        keeper.Reconcile();
        Assert.Equal(["10.9.0.0/24 dev wg7 table 1234 proto static metric 10", "fd09::/64 dev wg7 table 1234 proto static metric 10"],
            routes.Lines());

        device.Raise(Plain, true); // not when-up: up added its routes
        device.Raise(Backup, true);
        keeper.Reconcile();
        Assert.Equal(3, routes.Table.Count);
        Assert.Contains("10.7.0.0/16 dev wg7 table 1234 proto static metric 10", routes.Lines());

        device.Raise(Nord, false);
        keeper.Reconcile();
        Assert.Equal(["10.7.0.0/16 dev wg7 table 1234 proto static metric 10"], routes.Lines());
        Assert.Equal(routes.Table, keeper.Installed);
    }

    [Fact]
    public async Task AllowedIPs_and_configuration_changes_are_followed_at_the_next_reconcile()
    {
        FakeDevice device = Device();
        var routes = new FakeRoutes();
        await using WhenUpRouteKeeper keeper = Keeper(device, routes);
        device.Raise(Nord, true);
        keeper.Reconcile();

        device.AllowedIps[Nord] = ["10.9.0.0/24", "10.10.0.0/24"];
        keeper.Reconcile();
        Assert.Equal(["10.10.0.0/24 dev wg7 table 1234 proto static metric 10", "10.9.0.0/24 dev wg7 table 1234 proto static metric 10"],
            routes.Lines());

        // syncconf moved the routes to another table.
        device.RouterConfiguration = new RouterConfiguration { Peers = device.RouterConfiguration.Peers, WhenUpRouteTable = 254 };
        keeper.Reconcile();
        Assert.Equal(["10.10.0.0/24 dev wg7 proto static metric 10", "10.9.0.0/24 dev wg7 proto static metric 10"], routes.Lines());

        // Table = off (or not brought up by wgsharp up): the daemon manages no routes.
        device.RouterConfiguration = new RouterConfiguration { Peers = device.RouterConfiguration.Peers, WhenUpRouteTable = null };
        keeper.Reconcile();
        Assert.Empty(routes.Table);

        // The peer is no longer when-up.
        device.RouterConfiguration = new RouterConfiguration { Peers = [new RouterPeerOptions(Nord, null, false, false)], WhenUpRouteTable = 254 };
        keeper.Reconcile();
        Assert.Empty(routes.Table);
    }

    [Fact]
    public async Task Someone_elses_identical_route_is_left_alone_and_a_failed_add_is_retried()
    {
        FakeDevice device = Device();
        var routes = new FakeRoutes();
        var foreign = new RouteEntry
        {
            Destination = RoutePrefix.Parse("10.9.0.0/24"), OutputInterfaceName = "wg7", Table = 1234,
            Metric = WhenUpRouteKeeper.Metric, Protocol = RouteProtocol.Static,
        };
        routes.Table.Add(foreign);
        routes.FailAdd["fd09::/64"] = (int)Errno.ENETUNREACH;
        await using (WhenUpRouteKeeper keeper = Keeper(device, routes))
        {
            device.Raise(Nord, true);
            keeper.Reconcile();
            Assert.Empty(keeper.Installed);

            keeper.Reconcile();
            Assert.Equal(["fd09::/64"], keeper.Installed.Select(r => r.Destination.ToString()));
        }

        // Disposal removed only its own route.
        Assert.Equal([foreign], routes.Table);
    }

    [Fact]
    public async Task Disposal_unsubscribes_and_removes_every_route_and_tolerates_routes_already_gone()
    {
        FakeDevice device = Device();
        var routes = new FakeRoutes();
        WhenUpRouteKeeper keeper = Keeper(device, routes);
        device.Raise(Nord, true);
        device.Raise(Backup, true);
        keeper.Reconcile();
        Assert.Equal(3, routes.Table.Count);
        routes.Table.RemoveAll(r => r.Destination.ToString() == "10.7.0.0/16"); // vanished with the link, say

        await keeper.DisposeAsync();

        Assert.Empty(routes.Table);
        Assert.False(device.HasSubscribers);
        keeper.Reconcile(); // after disposal: nothing
        Assert.Empty(routes.Table);
    }

    [Fact]
    public async Task The_background_task_reconciles_on_liveness_events()
    {
        FakeDevice device = Device();
        var routes = new FakeRoutes();
        await using WhenUpRouteKeeper keeper = Keeper(device, routes);
        keeper.Start();

        device.Raise(Backup, true);
        await WaitUntil(() => routes.Lines().Length == 1);
        Assert.Equal(["10.7.0.0/16 dev wg7 table 1234 proto static metric 10"], routes.Lines());

        device.Raise(Backup, false);
        await WaitUntil(() => routes.Lines().Length == 0);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the keeper");
            await Task.Delay(10);
        }
    }
}
