// tcpdump on one interface of a namespace, written to a pcap file while it runs and read back with
// tcpdump -r afterwards: what actually crossed a link (source addresses, TCP MSS options, stray packets).
using System.Globalization;
using System.Text.RegularExpressions;

namespace WgSharp.Interop.Tests.Harness;

internal sealed partial class PacketCapture : IDisposable
{
    /// <summary>Upper bound on a capture's life; the test stops it long before.</summary>
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(600);

    private readonly BackgroundProcess _tcpdump;
    private int _stopped; // 0 or 1, set once through Interlocked

    private PacketCapture(BackgroundProcess tcpdump, string file, string description)
    {
        _tcpdump = tcpdump;
        File = file;
        Description = description;
        CleanupRegistry.Register(this);
    }

    public string File { get; }

    public string Description { get; }

    /// <summary>Starts capturing on <paramref name="device"/> in <paramref name="ns"/> (pcap-filter(7)
    /// <paramref name="filter"/>) and waits until tcpdump reports it is listening.</summary>
    public static async Task<PacketCapture> StartAsync(NetworkNamespace ns, string device, string filter = "")
    {
        var file = TempFiles.NewPath($"capture-{device}") + ".pcap";
        // --immediate-mode: packets reach tcpdump as they arrive, not in ring-buffer blocks every second (a block
        // not yet handed over when SIGTERM comes would be lost); -U: each packet reaches the file at once; -Z root: Debian's tcpdump would otherwise drop to a user
        // that cannot write into the private temp directory.
        List<string> command =
        [
            "timeout", ((int)Lifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            "tcpdump", "-i", device, "--immediate-mode", "-nn", "-U", "-Z", "root", "-s", "256", "-w", file,
        ];
        if (filter.Length > 0)
        {
            command.Add(filter);
        }

        var process = ns.StartBackground(command, TempFiles.NewPath($"tcpdump-{device}.log"));
        var capture = new PacketCapture(process, file, $"tcpdump -i {device} {filter} in {ns}");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!process.ReadLog().Contains("listening on", StringComparison.Ordinal))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var log = process.ReadLogTail();
                capture.Dispose();
                throw new InvalidOperationException($"{capture.Description} did not start: {log}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        return capture;
    }

    /// <summary>Stops the capture (tcpdump flushes its file on SIGTERM) and returns the packets, one line each
    /// (tcpdump -nn -v, optionally narrowed by another <paramref name="filter"/>).</summary>
    public async Task<IReadOnlyList<string>> StopAndReadAsync(string filter = "")
    {
        Stop();
        return await ReadAsync(filter).ConfigureAwait(false);
    }

    /// <summary>The packets captured so far matching <paramref name="filter"/>; call after <see cref="Stop"/>
    /// for a complete list.</summary>
    public async Task<IReadOnlyList<string>> ReadAsync(string filter = "")
    {
        // A missing file or a failed read is an error, never "nothing was captured": that would let every
        // "no such packet crossed" assertion pass without looking.
        if (!System.IO.File.Exists(File))
        {
            throw new InvalidOperationException($"{Description} wrote no file: {Diagnose()}");
        }

        // -v puts the IP header on one line and the transport header on a continuation line: join them.
        List<string> command = ["timeout", "30", "tcpdump", "-nn", "-v", "-r", File];
        if (filter.Length > 0)
        {
            command.Add(filter);
        }

        var read = await ProcessRunner.RunAsync(command, TimeSpan.FromSeconds(35)).ConfigureAwait(false);
        if (!read.Succeeded)
        {
            throw new InvalidOperationException($"reading the capture of {Description} failed: {read.Describe()}");
        }
        var packets = new List<string>();
        foreach (var line in read.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (char.IsWhiteSpace(line[0]) && packets.Count > 0)
            {
                packets[^1] += " " + line.Trim();
            }
            else
            {
                packets.Add(line);
            }
        }

        return packets;
    }

    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            // A packet that just crossed the link may still be on its way through the socket to tcpdump.
            Thread.Sleep(200);
            _tcpdump.Stop(TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>The MSS option values of the TCP SYNs (and SYN-ACKs) among <paramref name="packets"/>.</summary>
    public static IReadOnlyList<int> MssValues(IEnumerable<string> packets) =>
        [.. packets.Select(p => MssOption().Match(p)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture))];

    /// <summary>tcpdump's own output and the file's size, for failure messages.</summary>
    public string Diagnose() =>
        $"{Description}: {(System.IO.File.Exists(File) ? new FileInfo(File).Length : -1)} bytes in {File}; tcpdump said: {_tcpdump.ReadLogTail(2000)}";

    public override string ToString() => Description;

    public void Dispose()
    {
        Stop();
        _tcpdump.Dispose();
        CleanupRegistry.Unregister(this);
    }

    [GeneratedRegex(@"options \[mss (\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex MssOption();
}
