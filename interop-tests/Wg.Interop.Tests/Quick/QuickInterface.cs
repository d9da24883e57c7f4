// One interface managed with `wgsharp up`/`down` inside a namespace: its configuration file (named
// <ifname>.conf, mode 0600, in the private temp directory), the commands, and a cleanup that takes it
// down (or at least removes its state, lock and socket files in the shared /run) on every exit path.
using WgSharp.Cli.Host;
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Quick;

internal sealed class QuickInterface : IDisposable
{
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private static readonly Lazy<int> StaleSwept = new(SweepStaleState);
    private int _disposed; // 0 or 1, set once through Interlocked

    private QuickInterface(NetworkNamespace ns, string name, string configPath)
    {
        Namespace = ns;
        Name = name;
        ConfigPath = configPath;
        CleanupRegistry.Register(this);
    }

    public NetworkNamespace Namespace { get; }

    public string Name { get; }

    public string ConfigPath { get; }

    public static QuickStateStore Store { get; } = new();

    public string StatePath => Store.PathFor(Name);

    public string SocketPath => WireGuardPeer.SocketPathFor(Name);

    /// <summary>A new interface name and its file; <paramref name="configText"/> gets the name.</summary>
    public static QuickInterface Create(NetworkNamespace ns, Func<string, string> configText)
    {
        _ = StaleSwept.Value;
        var name = ResourceNames.Next('w');
        var directory = Path.Combine(TempFiles.Directory, ResourceNames.Next('q'));
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(directory, name + ".conf");
        File.WriteAllText(path, configText(name));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return new QuickInterface(ns, name, path);
    }

    /// <summary>`wgsharp up [options] &lt;file&gt;` inside the namespace.</summary>
    public Task<ProcessResult> UpAsync(string[]? options = null, IReadOnlyDictionary<string, string>? environment = null) =>
        Namespace.ExecAsync([RepositoryRoot.WgSharpLauncher, "up", .. options ?? [], ConfigPath], CommandTimeout, environment);

    /// <summary>`wgsharp down &lt;file&gt;` (or the given argument: the interface name).</summary>
    public Task<ProcessResult> DownAsync(string? argument = null, IReadOnlyDictionary<string, string>? environment = null) =>
        Namespace.ExecAsync([RepositoryRoot.WgSharpLauncher, "down", argument ?? ConfigPath], CommandTimeout, environment);

    /// <summary>`up` that must succeed.</summary>
    public async Task<ProcessResult> ExpectUpAsync(string[]? options = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var up = await UpAsync(options, environment).ConfigureAwait(false);
        Assert.True(up.Succeeded, $"wgsharp up failed: {up.Describe()}");
        return up;
    }

    /// <summary>`down` that must succeed.</summary>
    public async Task<ProcessResult> ExpectDownAsync(string? argument = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var down = await DownAsync(argument, environment).ConfigureAwait(false);
        Assert.True(down.Succeeded, $"wgsharp down failed: {down.Describe()}");
        return down;
    }

    public QuickState? ReadState() => Store.Load(Name);

    /// <summary>The endpoint host routes the daemon recorded in its own directory.</summary>
    public List<StateRoute> ReadDaemonRoutes(uint daemonUid) =>
        DaemonFiles.ReadAddedRoutes(Store.DaemonDirectoryFor(Name), daemonUid, Name, []);

    public async Task<bool> LinkExistsAsync() =>
        (await Namespace.ExecAsync(["ip", "link", "show", "dev", Name]).ConfigureAwait(false)).Succeeded;

    public override string ToString() => $"{Name} in {Namespace}";

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (File.Exists(StatePath))
        {
            ProcessRunner.Run(["ip", "netns", "exec", Namespace.Name, RepositoryRoot.WgSharpLauncher, "down", Name], CommandTimeout);
        }

        RemoveFiles(Name);
        CleanupRegistry.Unregister(this);
    }

    private static void RemoveFiles(string name)
    {
        FileCleanup.DeleteIfPresent(Store.PathFor(name));
        FileCleanup.DeleteIfPresent(Store.PlanPathFor(name));
        DaemonFiles.Remove(Store.DaemonDirectoryFor(name));
        FileCleanup.DeleteIfPresent(Path.Combine(Store.Directory, name + ".lock"));
        FileCleanup.DeleteIfPresent(WireGuardPeer.SocketPathFor(name));
    }

    // State and lock files of interfaces a killed earlier run of this harness brought up (its namespaces are
    // gone, swept by the harness): only names of our pattern whose creating process is dead.
    private static int SweepStaleState()
    {
        StaleResourceSweeper.EnsureSwept();
        if (!Directory.Exists(Store.Directory))
        {
            return 0;
        }

        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(Store.Directory, ResourceNames.Prefix + "*"))
        {
            var name = Path.GetFileName(file).Split('.')[0];
            if (ResourceNames.TryParseOwner(name, out var owner) && owner != ResourceNames.OwnerPid && !StaleResourceSweeper.IsAlive(owner))
            {
                RemoveFiles(name);
                removed++;
            }
        }

        return removed;
    }
}
