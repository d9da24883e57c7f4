// What `up` shares with a daemon that is not root: the plan it reads (only what its keepers need, root's, readable by
// its group, rewritten only when it changed) and the directory it writes its records in, whose contents `down` takes
// as untrusted data: no symlink followed, no FIFO waited on, only a file the daemon user owns, only endpoint host
// routes outside the interface; and whose removal never reaches outside it. (Needs root: it gives files away.)
using System.Net.Sockets;
using WgSharp.Cli.Host;
using WgSharp.Cli.Tests.Support;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Tests.Quick;

public sealed class DaemonFilesTests : IDisposable
{
    private const uint Nobody = 65534;
    private readonly string _root = TestNames.TempDirectory();
    private readonly string _directory;
    private readonly string _records;

    public DaemonFilesTests()
    {
        _directory = Path.Combine(_root, "run", "wg7.daemon");
        _records = Path.Combine(_directory, DaemonFiles.RecordsName);
        Directory.CreateDirectory(Path.GetDirectoryName(_directory)!);
    }

    public void Dispose()
    {
        DaemonFiles.Remove(_directory);
        Directory.Delete(_root, recursive: true);
    }

    private static StateDaemonUser User => new() { Name = "nobody", Uid = Nobody, Gid = Nobody };

    private static StateRoute Host(string destination, string device = "eth0", uint table = IprouteNames.TableMain) =>
        new() { Destination = destination, Device = device, Gateway = "192.0.2.1", Table = table };

    // Writes the records as the daemon user would own them.
    private void WriteRecords(string json)
    {
        File.WriteAllText(_records, json);
        Chown(_records, Nobody);
    }

    private static void Chown(string path, uint uid) =>
        Assert.Equal(0, Cli.Interop.Libc.lchown(path, uid, uid));

    private static string Json(params StateRoute[] added) => System.Text.Json.JsonSerializer.Serialize(
        new DaemonRouteRecords { Added = [.. added] }, QuickStateJsonContext.Default.DaemonRouteRecords);

    private List<StateRoute> Read(List<string> problems) => DaemonFiles.ReadAddedRoutes(_directory, Nobody, "wg7", problems);

    [Fact]
    public void The_directory_is_the_daemon_users_alone()
    {
        DaemonFiles.PrepareDirectory(_directory, User);
        Assert.True(Cli.Interop.Libc.TryStatOwner(_directory, out int mode, out uint owner));
        Assert.Equal(Nobody, owner);
        Assert.Equal(DaemonFiles.DirectoryMode, File.GetUnixFileMode(_directory));

        // A leftover one is replaced by an empty one.
        File.WriteAllText(_records, Json(Host("198.51.100.7/32")));
        DaemonFiles.PrepareDirectory(_directory, User);
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public void Down_takes_only_endpoint_host_routes_outside_the_interface()
    {
        DaemonFiles.PrepareDirectory(_directory, User);
        WriteRecords(Json(
            Host("198.51.100.7/32"),
            Host("2001:db8::7/128"),
            Host("0.0.0.0/0"),               // not a host route
            Host("198.51.100.8/32", "wg7"),  // the tunnel itself
            Host("198.51.100.9/32", table: 51820),
            Host("198.51.100.10/32", "../../etc")));
        var problems = new List<string>();
        Assert.Equal(["198.51.100.7/32", "2001:db8::7/128"], Read(problems).Select(r => r.Destination));
        Assert.Equal(4, problems.Count);
    }

    [Fact]
    public async Task Records_that_are_not_a_regular_file_of_the_daemon_user_are_ignored()
    {
        DaemonFiles.PrepareDirectory(_directory, User);
        var problems = new List<string>();
        Assert.Empty(Read(problems)); // none yet
        Assert.Empty(problems);

        // A symlink to a file with routes in it is not followed.
        string elsewhere = Path.Combine(_root, "elsewhere");
        File.WriteAllText(elsewhere, Json(Host("198.51.100.7/32")));
        Chown(elsewhere, Nobody);
        File.CreateSymbolicLink(_records, elsewhere);
        Assert.Empty(Read(problems));
        Assert.Single(problems);
        File.Delete(_records);

        // A FIFO does not make `down` wait.
        Assert.Equal(0, (await ProcessRunner.RunAsync("mkfifo", [_records])).ExitCode);
        Chown(_records, Nobody);
        var reading = Task.Run(() => Read(problems));
        Assert.Empty(await reading.WaitAsync(TimeSpan.FromSeconds(10)));
        File.Delete(_records);

        // Somebody else's file.
        File.WriteAllText(_records, Json(Host("198.51.100.7/32")));
        Assert.Empty(Read(problems));

        // Too large, and damaged.
        WriteRecords(new string(' ', DaemonFiles.MaxRecordsBytes + 1));
        Assert.Empty(Read(problems));
        WriteRecords("{ \"Added\": [ { \"Destination\": ");
        Assert.Empty(Read(problems));
        Assert.Equal(5, problems.Count);

        // A directory that is not the daemon user's: nothing in it counts.
        WriteRecords(Json(Host("198.51.100.7/32")));
        Assert.Single(Read(problems));
        Assert.Empty(DaemonFiles.ReadAddedRoutes(_directory, Nobody - 1, "wg7", problems));
    }

    [Fact]
    public void Removing_the_directory_never_follows_a_symlink_out_of_it()
    {
        DaemonFiles.PrepareDirectory(_directory, User);
        string outside = Path.Combine(_root, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "keep"), "kept");
        File.CreateSymbolicLink(Path.Combine(_directory, "link"), outside);
        Directory.CreateDirectory(Path.Combine(_directory, "sub"));
        File.CreateSymbolicLink(Path.Combine(_directory, "sub", "file-link"), Path.Combine(outside, "keep"));
        Chown(Path.Combine(_directory, "sub"), Nobody);

        DaemonFiles.Remove(_directory);
        Assert.False(Directory.Exists(_directory));
        Assert.Equal("kept", File.ReadAllText(Path.Combine(outside, "keep")));
    }

    [Fact]
    public async Task The_plan_holds_only_what_the_daemon_needs_readable_by_its_group()
    {
        var store = new QuickStateStore(Path.Combine(_root, "run"));
        var state = new QuickState
        {
            Interface = "wg7",
            ConfigPath = "/etc/wireguard/wg7.conf",
            NetworkNamespace = 77,
            Daemon = new StateDaemon { Pid = 4242 },
            DaemonUser = User,
            DefaultRoutes = [new StateDefaultRoute { Family = AddressFamily.InterNetwork, Mode = DefaultRouteMode.SplitRoutes }],
            Addresses = ["10.5.0.2/32"],
            Routes = [Host("198.51.100.7/32"), Host("0.0.0.0/1", "wg7"), Host("10.9.0.0/24", "wg7")],
            ResolvconfInterface = "tun.wg7",
        };
        state.WhenUpSteering.Add(new StateWhenUpSteering { PublicKey = "key", Family = AddressFamily.InterNetwork, Table = 51821 });
        store.Save(state);

        string path = store.PlanPathFor("wg7");
        Assert.Equal(QuickStateStore.PlanMode, File.GetUnixFileMode(path));
        Assert.True(Cli.Interop.Libc.TryStatOwner(path, out _, out uint owner));
        Assert.Equal(0u, owner);
        Assert.Equal(Nobody.ToString(System.Globalization.CultureInfo.InvariantCulture),
            (await ProcessRunner.RunAsync("stat", ["-c", "%g", path])).StandardOutput.Trim());
        QuickState plan = store.LoadPlan("wg7")!;
        Assert.Equal((4242, 77ul, 51821u), (plan.Daemon!.Pid, plan.NetworkNamespace, plan.WhenUpSteering[0].Table));
        Assert.Equal(["198.51.100.7/32"], plan.Routes.Select(r => r.Destination));
        Assert.Empty(plan.Addresses);
        Assert.Null(plan.ConfigPath);
        Assert.Null(plan.ResolvconfInterface);

        // Rewritten when what the daemon sees changes, not for every save of the state.
        ulong inode = Inode(path);
        state.Addresses.Add("10.5.0.3/32");
        store.Save(state);
        Assert.Equal(inode, Inode(path));
        state.Phase = QuickPhase.Up;
        store.Save(state);
        Assert.Equal(QuickPhase.Up, store.LoadPlan("wg7")!.Phase);

        store.Delete("wg7");
        Assert.False(File.Exists(path));
        Assert.Null(store.LoadPlan("wg7"));
    }

    [Fact]
    public void A_state_without_a_daemon_user_has_no_plan()
    {
        var store = new QuickStateStore(Path.Combine(_root, "run"));
        store.Save(new QuickState { Interface = "wg7" });
        Assert.False(File.Exists(store.PlanPathFor("wg7")));
    }

    private static ulong Inode(string path)
    {
        Assert.True(Cli.Interop.Libc.TryStat(Cli.Interop.Libc.AtFdCwd, path, Cli.Interop.Libc.AtSymlinkNoFollow, out var identity));
        return identity.Inode;
    }
}
