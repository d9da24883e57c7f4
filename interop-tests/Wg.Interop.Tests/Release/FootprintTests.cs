// The release binary's footprint next to wireguard-go-2023's, measured in one run on this machine:
// time from exec to the UAPI socket, and with one peer after a handshake, idle: resident memory,
// threads, and how often its threads wake up while nothing happens. Memory is asserted (within twice
// wireguard-go-2023's, what the release reaches today; the goal is 1.5x); start-up time is only reported,
// because a wall-clock ratio on a shared machine is a benchmark, not a test (bench/RESULTS.md).
using System.Diagnostics;
using System.Globalization;
using WgSharp.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace WgSharp.Interop.Tests.Release;

public sealed class FootprintTests(ITestOutputHelper output)
{
    private const int StartRuns = 7;
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(5);

    [Fact(Timeout = 1_800_000)]
    public async Task Release_binary_idles_within_twice_wireguard_go_memory()
    {
        var release = await ReleaseBuild.UnpackedAsync();
        var ours = Implementation.WgSharp(Path.Combine(release, "wgsharp"));
        var reference = Implementation.WireguardGo2023;
        ReferencePeers.Require(reference);

        // Alternating runs, so a busy moment of the machine hits both alike; the median of each.
        var oursStarts = new List<double>();
        var referenceStarts = new List<double>();
        for (var run = 0; run < StartRuns; run++)
        {
            oursStarts.Add(await StartToSocketMillisecondsAsync(ours));
            referenceStarts.Add(await StartToSocketMillisecondsAsync(reference));
        }

        using var pair = await TunnelPair.CreateAsync(ours, reference);
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false);
        await Task.Delay(Idle);
        var oursIdle = IdleSample.Take(pair.A.Peer.Pid);
        var referenceIdle = IdleSample.Take(pair.B.Peer.Pid);
        await Task.Delay(Idle);
        var oursWakeups = IdleSample.Take(pair.A.Peer.Pid).ContextSwitches - oursIdle.ContextSwitches;
        var referenceWakeups = IdleSample.Take(pair.B.Peer.Pid).ContextSwitches - referenceIdle.ContextSwitches;

        double oursStart = Median(oursStarts), referenceStart = Median(referenceStarts);
        output.WriteLine("| | wgsharp release | wireguard-go-2023 |");
        output.WriteLine("| --- | --- | --- |");
        output.WriteLine(Invariant($"| idle RSS | {oursIdle.RssKiB / 1024.0:F1} MB | {referenceIdle.RssKiB / 1024.0:F1} MB |"));
        output.WriteLine(Invariant($"| threads | {oursIdle.Threads} | {referenceIdle.Threads} |"));
        output.WriteLine(Invariant($"| start to UAPI socket (median of {StartRuns}) | {oursStart:F1} ms | {referenceStart:F1} ms |"));
        output.WriteLine(Invariant($"| context switches in {Idle.TotalSeconds:F0} s idle | {oursWakeups} | {referenceWakeups} |"));

        Assert.True(oursIdle.RssKiB <= referenceIdle.RssKiB * 2,
            Invariant($"idle RSS {oursIdle.RssKiB} KiB > 2 x wireguard-go-2023's {referenceIdle.RssKiB} KiB"));
    }

    private static async Task<double> StartToSocketMillisecondsAsync(Implementation implementation)
    {
        using var ns = await NetworkNamespace.CreateAsync();
        var name = ResourceNames.Next('w');
        var socket = WireGuardPeer.SocketPathFor(name);
        var clock = Stopwatch.StartNew();
        using var daemon = ns.StartBackground([implementation.Executable, name], TempFiles.NewPath($"{implementation}-{name}.log"),
            new Dictionary<string, string> { ["WG_PROCESS_FOREGROUND"] = "1", ["LOG_LEVEL"] = "error" });
        try
        {
            while (!File.Exists(socket))
            {
                Assert.False(daemon.HasExited, $"{implementation} exited before its socket appeared:\n{daemon.ReadLogTail()}");
                Assert.True(clock.Elapsed < WireGuardPeer.StartTimeout, $"{implementation} made no socket in {WireGuardPeer.StartTimeout}");
                Thread.Sleep(1);
            }

            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            daemon.Dispose();
            File.Delete(socket);
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>VmRSS and Threads from /proc/pid/status, and the context switches of all its threads.</summary>
    private readonly record struct IdleSample(long RssKiB, int Threads, long ContextSwitches)
    {
        public static IdleSample Take(int pid)
        {
            long rss = 0;
            var threads = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    threads = int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1].Trim(), CultureInfo.InvariantCulture);
                }
            }

            long switches = 0;
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.Contains("ctxt_switches:", StringComparison.Ordinal))
                    {
                        switches += long.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1].Trim(), CultureInfo.InvariantCulture);
                    }
                }
            }

            return new IdleSample(rss, threads, switches);
        }
    }
}
