// A TCP server (ncat -k) that answers every connection with one line: its label and the client address
// it sees. What a far host observes about a connection (whose source, masqueraded or not, which site
// answered) is then read by the client itself, and a reply at all proves the way back works.
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace WgSharp.Interop.Tests.Harness;

internal sealed class AddressEchoServer : IDisposable
{
    private readonly BackgroundProcess _ncat;

    private AddressEchoServer(NetworkNamespace ns, IPAddress address, int port, string label, BackgroundProcess ncat)
    {
        Namespace = ns;
        Address = address;
        Port = port;
        Label = label;
        _ncat = ncat;
    }

    public NetworkNamespace Namespace { get; }

    public IPAddress Address { get; }

    public int Port { get; }

    public string Label { get; }

    /// <summary>Listens on <paramref name="address"/> (or every address of its family when
    /// <paramref name="anyAddress"/>) port <paramref name="port"/> in <paramref name="ns"/>.</summary>
    public static async Task<AddressEchoServer> StartAsync(NetworkNamespace ns, IPAddress address, int port, string label, bool anyAddress = false)
    {
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var portText = port.ToString(CultureInfo.InvariantCulture);
        List<string> command = ["timeout", "600", "ncat", v6 ? "-6" : "-4", "-k", "-l"];
        if (!anyAddress)
        {
            command.Add(address.ToString());
        }

        // ncat puts the peer's address in NCAT_REMOTE_ADDR for --sh-exec (ncat(1), "Exec options").
        command.AddRange([portText, "--sh-exec", $"echo {label} $NCAT_REMOTE_ADDR"]);
        var ncat = ns.StartBackground(command, TempFiles.NewPath($"echo-{label}-{portText}.log"));
        var server = new AddressEchoServer(ns, address, port, label, ncat);
        if (!await ns.WaitForTcpListenerAsync(port, TimeSpan.FromSeconds(10)).ConfigureAwait(false))
        {
            var log = ncat.ReadLogTail();
            server.Dispose();
            throw new InvalidOperationException($"ncat echo server {label} on {address}:{port} never listened: {log}");
        }

        return server;
    }

    /// <summary>Connects from <paramref name="from"/> (bound to <paramref name="source"/> if given) and returns
    /// the server's line ("label address"), or null if no answer came within <paramref name="timeout"/>.</summary>
    public static async Task<string?> AskAsync(NetworkNamespace from, IPAddress to, int port, IPAddress? source = null, TimeSpan? timeout = null)
    {
        var seconds = (int)Math.Ceiling((timeout ?? TimeSpan.FromSeconds(5)).TotalSeconds);
        List<string> command =
        [
            "timeout", (seconds + 2).ToString(CultureInfo.InvariantCulture),
            "ncat", to.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4",
            "-w", seconds.ToString(CultureInfo.InvariantCulture), "--recv-only",
        ];
        if (source is not null)
        {
            command.AddRange(["-s", source.ToString()]);
        }

        command.AddRange([to.ToString(), port.ToString(CultureInfo.InvariantCulture)]);
        var result = await from.ExecAsync(command, TimeSpan.FromSeconds(seconds + 5)).ConfigureAwait(false);
        var line = result.StandardOutput.Trim();
        return result.Succeeded && line.Length > 0 ? line : null;
    }

    /// <summary>As <see cref="AskAsync"/>, retried until an answer arrives or <paramref name="within"/> passes
    /// (the first packets may wait for a handshake); null if none came.</summary>
    public static async Task<string?> AskUntilAnsweredAsync(NetworkNamespace from, IPAddress to, int port, TimeSpan within, IPAddress? source = null)
    {
        var deadline = DateTime.UtcNow + within;
        do
        {
            if (await AskAsync(from, to, port, source, TimeSpan.FromSeconds(3)).ConfigureAwait(false) is { } answer)
            {
                return answer;
            }

            await Task.Delay(200).ConfigureAwait(false);
        }
        while (DateTime.UtcNow < deadline);
        return null;
    }

    /// <summary>The server's log: ncat reports nothing per connection, so this is for failure messages.</summary>
    public string ReadLog() => _ncat.ReadLogTail();

    public void Dispose() => _ncat.Dispose();
}
