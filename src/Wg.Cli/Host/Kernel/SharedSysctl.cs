// Kernel parameters (net.ipv4.conf.all.src_valid_mark) that `up` sets only when they are not set yet and
// restores at the last `down` that relied on them: a registry in /run/wgsharp/sysctl.json counts the
// interfaces per network namespace, so taking one tunnel down never pulls a setting from under another.
using System.Text.Json;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal sealed class SharedSysctl
{
    private readonly QuickStateStore _store;
    private readonly QuickConsole _console;

    public SharedSysctl(QuickStateStore store, QuickConsole console)
    {
        _store = store;
        _console = console;
    }

    private string RegistryPath => Path.Combine(_store.Directory, "sysctl.json");

    /// <summary>
    /// Makes <paramref name="key"/> equal <paramref name="value"/> for <paramref name="interfaceName"/>:
    /// joins an earlier interface's change, or writes it when the value differs and can be written.
    /// Returns true when the interface now holds the key (and must <see cref="Release"/> it).
    /// </summary>
    public bool Acquire(string key, string value, string interfaceName, ulong netns)
    {
        using IDisposable held = _store.LockShared();
        List<SharedSysctlEntry> entries = LoadAndPrune(netns);
        if (entries.Find(e => e.NetworkNamespace == netns && e.Key == key) is { } entry)
        {
            if (!entry.Users.Contains(interfaceName))
            {
                entry.Users.Add(interfaceName);
            }

            Save(entries);
            return true;
        }

        if (!Sysctl.TryRead(key, out string? current, out int readErrno))
        {
            _console.Warning($"cannot read {key} (errno {readErrno}); leaving it alone");
            return false;
        }

        if (current == value)
        {
            return false;
        }

        if (!Sysctl.IsWritable(key))
        {
            _console.Warning($"{key} is {current} and cannot be changed here (read-only /proc/sys?); leaving it");
            return false;
        }

        // Registered before the write: a run that dies in between leaves a record to restore from.
        entries.Add(new SharedSysctlEntry { NetworkNamespace = netns, Key = key, Previous = current, Users = [interfaceName] });
        Save(entries);
        _console.Command($"sysctl -q {key}={value}");
        SysctlWriteResult result = Sysctl.Write(key, value, out int errno);
        if (result != SysctlWriteResult.Written)
        {
            entries.RemoveAll(e => e.NetworkNamespace == netns && e.Key == key);
            Save(entries);
            _console.Warning($"cannot set {key}={value} ({result}, errno {errno}); going on without it");
            return false;
        }

        return true;
    }

    /// <summary>Drops <paramref name="interfaceName"/>'s hold on <paramref name="key"/>; the last holder restores the old value.</summary>
    public void Release(string key, string interfaceName, ulong netns)
    {
        using IDisposable held = _store.LockShared();
        List<SharedSysctlEntry> entries = LoadAndPrune(netns);
        if (entries.Find(e => e.NetworkNamespace == netns && e.Key == key) is not { } entry)
        {
            return;
        }

        entry.Users.Remove(interfaceName);
        if (entry.Users.Count == 0)
        {
            Restore(entry);
            entries.Remove(entry);
        }

        Save(entries);
    }

    // Users without a state file are gone (their `down` ran, or the machine rebooted into a fresh /run):
    // an entry only they held is restored (in this namespace) or forgotten (its namespace is another one).
    private List<SharedSysctlEntry> LoadAndPrune(ulong netns)
    {
        List<SharedSysctlEntry> entries = Load();
        foreach (SharedSysctlEntry entry in entries.ToArray())
        {
            entry.Users.RemoveAll(user => !_store.Exists(user));
            if (entry.Users.Count == 0)
            {
                if (entry.NetworkNamespace == netns)
                {
                    Restore(entry);
                }

                entries.Remove(entry);
            }
        }

        return entries;
    }

    private void Restore(SharedSysctlEntry entry)
    {
        _console.Command($"sysctl -q {entry.Key}={entry.Previous}");
        SysctlWriteResult result = Sysctl.Write(entry.Key, entry.Previous, out int errno);
        if (result != SysctlWriteResult.Written)
        {
            _console.Warning($"cannot restore {entry.Key}={entry.Previous} ({result}, errno {errno})");
        }
    }

    private List<SharedSysctlEntry> Load()
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(RegistryPath), QuickStateJsonContext.Default.ListSharedSysctlEntry) ?? [];
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
        catch (JsonException e)
        {
            _console.Warning($"{RegistryPath} is damaged ({e.Message}); starting a new one");
            return [];
        }
    }

    private void Save(List<SharedSysctlEntry> entries)
    {
        if (entries.Count == 0)
        {
            File.Delete(RegistryPath);
            return;
        }

        _store.WriteAtomically(RegistryPath, JsonSerializer.SerializeToUtf8Bytes(entries, QuickStateJsonContext.Default.ListSharedSysctlEntry));
    }
}
