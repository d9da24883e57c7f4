// Traffic through a tunnel with the stock tools: ping(8), a TCP bulk transfer through ncat with a
// SHA-256 content check, and an iperf3 UDP run. Every run is bounded in time.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace WgSharp.Interop.Tests.Harness;

internal static partial class Traffic
{
    /// <summary>
    /// Pings <paramref name="to"/> from <paramref name="from"/>: ping(8) with -w keeps sending until
    /// <paramref name="count"/> replies arrived or <paramref name="deadline"/> passed, so the first
    /// packets may wait for a handshake. <paramref name="payloadSize"/> is ICMP data bytes (ping -s);
    /// <paramref name="dontFragment"/> sets DF / forbids fragmentation (ping -M do).
    /// </summary>
    public static async Task<PingResult> PingAsync(
        NetworkNamespace from,
        IPAddress to,
        int count = 3,
        TimeSpan? deadline = null,
        int payloadSize = 56,
        bool dontFragment = false,
        IPAddress? source = null)
    {
        var seconds = (int)Math.Ceiling((deadline ?? TimeSpan.FromSeconds(10)).TotalSeconds);
        List<string> command =
        [
            "ping", to.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4",
            "-n", "-q", "-c", Invariant(count), "-i", "0.2", "-w", Invariant(seconds), "-s", Invariant(payloadSize),
        ];
        if (dontFragment)
        {
            command.AddRange(["-M", "do"]);
        }

        if (source is not null)
        {
            command.AddRange(["-I", source.ToString()]);
        }

        command.Add(to.ToString());
        var result = await from.ExecAsync(command, TimeSpan.FromSeconds(seconds + 5)).ConfigureAwait(false);
        var match = PingSummary().Match(result.StandardOutput);
        return match.Success
            ? new PingResult(count, int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].ValueSpan, CultureInfo.InvariantCulture), result)
            : new PingResult(count, 0, 0, result);
    }

    /// <summary>A file of <paramref name="bytes"/> random bytes and its SHA-256 (lower-case hex).</summary>
    public static (string Path, string Sha256) CreateRandomFile(long bytes)
    {
        var path = TempFiles.NewPath("payload");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var file = File.Create(path))
        {
            var chunk = new byte[1 << 20];
            for (long left = bytes; left > 0; left -= chunk.Length)
            {
                var n = (int)Math.Min(chunk.Length, left);
                RandomNumberGenerator.Fill(chunk.AsSpan(0, n));
                file.Write(chunk, 0, n);
                sha.AppendData(chunk, 0, n);
            }
        }

        return (path, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    public static string Sha256OfFile(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>
    /// Sends <paramref name="sourceFile"/> over TCP from <paramref name="sender"/> to an ncat listener on
    /// <paramref name="address"/>:<paramref name="port"/> in <paramref name="receiver"/>, which writes what
    /// it gets to a file; returns that file's size and SHA-256. Throws on timeout or tool failure.
    /// </summary>
    public static async Task<TcpTransferResult> TcpTransferAsync(
        NetworkNamespace sender,
        NetworkNamespace receiver,
        IPAddress address,
        int port,
        string sourceFile,
        TimeSpan timeout)
    {
        var received = TempFiles.NewPath("received");
        var family = address.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4";
        var portText = Invariant(port);
        // ncat -l without -k serves one connection and exits when the sender closes it.
        var listener = receiver.ExecAsync(
            ["sh", "-c", $"exec ncat {family} --recv-only -l {address} {portText} > {ShellQuote.Word(received)}"],
            timeout);
        if (!await receiver.WaitForTcpListenerAsync(port, TimeSpan.FromSeconds(5)).ConfigureAwait(false))
        {
            var early = await listener.ConfigureAwait(false);
            throw new InvalidOperationException($"ncat listener on {address}:{port} never listened: {early.Describe()}");
        }

        // Timed from the sender's start to the listener's exit: the data's way, not the set-up.
        var clock = Stopwatch.StartNew();
        var send = await sender.ExecAsync(
            ["sh", "-c", $"exec ncat {family} --send-only {address} {portText} < {ShellQuote.Word(sourceFile)}"],
            timeout).ConfigureAwait(false);
        var listen = await listener.ConfigureAwait(false);
        clock.Stop();
        if (!send.Succeeded || !listen.Succeeded)
        {
            throw new InvalidOperationException(
                $"TCP transfer to {address}:{port} failed\nsender: {send.Describe()}\nreceiver: {listen.Describe()}");
        }

        var result = new TcpTransferResult(new FileInfo(received).Length, Sha256OfFile(received), clock.Elapsed);
        File.Delete(received);
        return result;
    }

    /// <summary>
    /// iperf3 UDP from <paramref name="client"/> to a one-shot server on <paramref name="serverAddress"/>
    /// at <paramref name="megabitsPerSecond"/> for <paramref name="duration"/>, datagrams of
    /// <paramref name="datagramBytes"/>; returns the receiver's view of loss and throughput.
    /// </summary>
    public static async Task<UdpRunResult> IperfUdpAsync(
        NetworkNamespace client,
        NetworkNamespace server,
        IPAddress serverAddress,
        int megabitsPerSecond,
        TimeSpan duration,
        int datagramBytes,
        int port = 5201)
    {
        var seconds = (int)Math.Ceiling(duration.TotalSeconds);
        var limit = TimeSpan.FromSeconds(seconds + 15);
        var serverRun = server.ExecAsync(["iperf3", "-s", "-1", "-B", serverAddress.ToString(), "-p", Invariant(port)], limit);
        if (!await server.WaitForTcpListenerAsync(port, TimeSpan.FromSeconds(5)).ConfigureAwait(false))
        {
            var early = await serverRun.ConfigureAwait(false);
            throw new InvalidOperationException($"iperf3 server on {serverAddress}:{port} never listened: {early.Describe()}");
        }

        var run = await client.ExecAsync(
            ["iperf3", "-c", serverAddress.ToString(), "-p", Invariant(port), "-u", "-b", $"{Invariant(megabitsPerSecond)}M",
             "-t", Invariant(seconds), "-l", Invariant(datagramBytes), "-J"],
            limit).ConfigureAwait(false);
        var serverResult = await serverRun.ConfigureAwait(false);
        if (!run.Succeeded)
        {
            throw new InvalidOperationException($"iperf3 UDP run failed\nclient: {run.Describe()}\nserver: {serverResult.Describe()}");
        }

        using var json = JsonDocument.Parse(run.StandardOutput);
        var end = json.RootElement.GetProperty("end");
        var sum = end.TryGetProperty("sum_received", out var received) ? received : end.GetProperty("sum");
        return new UdpRunResult(
            sum.GetProperty("packets").GetInt64(),
            sum.GetProperty("lost_packets").GetInt64(),
            sum.GetProperty("lost_percent").GetDouble(),
            sum.GetProperty("bits_per_second").GetDouble(),
            sum.GetProperty("jitter_ms").GetDouble(),
            run.StandardOutput);
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) (?:packets )?received", RegexOptions.CultureInvariant)]
    private static partial Regex PingSummary();
}
