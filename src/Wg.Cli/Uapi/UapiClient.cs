// A client of an interface's UAPI socket (the daemon's own, or wireguard-go's): connect, get the
// configuration, apply a set, and (wgsharp daemons only) set and read the policy router's configuration.
// Used by the wgsharp commands that talk to a running daemon.
using System.Net.Sockets;
using System.Text;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Uapi;

internal sealed class UapiClient : IDisposable
{
    /// <summary>Largest get reply accepted, in bytes (a device with a million allowed IPs fits).</summary>
    public const int MaxReplyBytes = 64 * 1024 * 1024;

    private readonly NetworkStream _stream;
    private readonly UapiLineReader _reader;
    private readonly SecretBuffer _request = new();

    private UapiClient(Socket socket)
    {
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new UapiLineReader(_stream, UapiServer.MaxLineLength);
    }

    /// <summary>Connects to the socket of <paramref name="interfaceName"/>.</summary>
    /// <exception cref="ArgumentException">The name is not a valid interface name.</exception>
    /// <exception cref="SocketException">No daemon answers (ENOENT: no socket; ECONNREFUSED: a stale one).</exception>
    public static async Task<UapiClient> ConnectAsync(string interfaceName, string socketDirectory = UapiSocket.DefaultDirectory,
        CancellationToken cancellationToken = default)
    {
        string path = UapiSocket.PathFor(interfaceName, socketDirectory);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return new UapiClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The device's configuration and counters. The caller owns the snapshot.</summary>
    /// <exception cref="ConfigurationException">The daemon answered with an error, or a malformed reply (-EPROTO).</exception>
    public async Task<DeviceSnapshot> GetAsync(CancellationToken cancellationToken = default)
    {
        await _stream.WriteAsync("get=1\n\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        using var parser = new UapiGetParser();
        await ReadReplyAsync(parser, cancellationToken).ConfigureAwait(false);
        if (parser.Errno is not 0)
        {
            throw new ConfigurationException(parser.Errno!.Value, $"get failed with errno {parser.Errno}");
        }

        return parser.TakeSnapshot();
    }

    /// <summary>Sends <paramref name="update"/> as one set transaction.</summary>
    /// <exception cref="ConfigurationException">The daemon refused it (errno as answered) or replied malformed (-EPROTO).</exception>
    public async Task SetAsync(DeviceUpdate update, CancellationToken cancellationToken = default)
    {
        _request.Clear();
        _request.Write("set=1\n"u8);
        UapiSetWriter.Write(update, _request);
        _request.WriteByte((byte)'\n');
        try
        {
            await _stream.WriteAsync(_request.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _request.Clear();
        }

        using var parser = new UapiGetParser();
        await ReadReplyAsync(parser, cancellationToken).ConfigureAwait(false);
        if (parser.Errno is not 0)
        {
            throw new ConfigurationException(parser.Errno!.Value, $"set failed with errno {parser.Errno}");
        }
    }

    /// <summary>Replaces the daemon's router configuration (a `wgsharp-set=1` operation).</summary>
    /// <exception cref="ConfigurationException">The daemon refused it (errno as answered; nothing changed), replied
    /// malformed (-EPROTO), or closed the connection without a reply (-EPROTO: not a wgsharp daemon).</exception>
    public async Task SetRouterConfigurationAsync(RouterConfiguration configuration, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder("wgsharp-set=1\n");
        RouterConfigurationWriter.Write(configuration, text);
        text.Append('\n');
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()), cancellationToken).ConfigureAwait(false);
        string? message = null;
        int? errno = null;
        while (true)
        {
            UapiReadStatus status = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (status != UapiReadStatus.Line)
            {
                throw new ConfigurationException(ConfigurationErrno.ProtocolError, status == UapiReadStatus.EndOfStream
                    ? "the daemon closed the connection without a reply (not a wgsharp daemon?)" : "reply line too long");
            }

            string line = Encoding.Latin1.GetString(_reader.Line);
            if (line.Length == 0)
            {
                break;
            }

            if (line.StartsWith("message=", StringComparison.Ordinal) && message is null && errno is null)
            {
                message = PercentText.TryDecode(line.AsSpan("message=".Length), out string decoded) ? decoded
                    : throw new ConfigurationException(ConfigurationErrno.ProtocolError, "malformed wgsharp-set reply: message is not percent-encoded");
            }
            else if (line.StartsWith("errno=", StringComparison.Ordinal) && errno is null)
            {
                using var errnoParser = new UapiGetParser();
                errnoParser.AddLine(line);
                errno = errnoParser.Errno;
            }
            else
            {
                throw new ConfigurationException(ConfigurationErrno.ProtocolError, "malformed wgsharp-set reply");
            }
        }

        if (errno is null)
        {
            throw new ConfigurationException(ConfigurationErrno.ProtocolError, "reply without errno");
        }

        if (errno is not 0)
        {
            throw new ConfigurationException(errno.Value, message ?? $"wgsharp-set failed with errno {errno}");
        }
    }

    /// <inheritdoc cref="SetRouterConfigurationAsync"/>
    public void SetRouterConfiguration(RouterConfiguration configuration) =>
        SetRouterConfigurationAsync(configuration).GetAwaiter().GetResult();

    /// <summary>The router's configuration and snapshot (with up to <paramref name="maxFlows"/> flows); null when
    /// the daemon does not know the operation (it closed the connection without a reply, as wireguard-go
    /// does), after which this client can no longer be used.</summary>
    /// <exception cref="ConfigurationException">The daemon answered with an error, or a malformed reply (-EPROTO).</exception>
    public async Task<RouterInfo?> TryGetRouterInfoAsync(int maxFlows, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFlows);
        await _stream.WriteAsync(Encoding.ASCII.GetBytes($"wgsharp-get=1\nmax_flows={maxFlows}\n\n"), cancellationToken).ConfigureAwait(false);
        var configurationParser = new RouterConfigurationParser();
        RouterSnapshotParser? snapshotParser = null;
        int? errno = null;
        long replyBytes = 0;
        bool first = true;
        while (true)
        {
            UapiReadStatus status = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (status == UapiReadStatus.EndOfStream && first)
            {
                return null;
            }

            if (status != UapiReadStatus.Line)
            {
                throw new ConfigurationException(ConfigurationErrno.ProtocolError,
                    status == UapiReadStatus.EndOfStream ? "the daemon closed the connection mid-reply" : "reply line too long");
            }

            first = false;
            replyBytes += _reader.Line.Length + 1;
            if (replyBytes > MaxReplyBytes)
            {
                throw new ConfigurationException(ConfigurationErrno.MessageTooLong, $"reply over {MaxReplyBytes} bytes");
            }

            string line = Encoding.Latin1.GetString(_reader.Line);
            if (line.Length == 0)
            {
                break;
            }

            if (errno is not null)
            {
                throw new ConfigurationException(ConfigurationErrno.ProtocolError, "malformed wgsharp-get reply: a line after errno");
            }

            if (line.StartsWith("errno=", StringComparison.Ordinal))
            {
                using var errnoParser = new UapiGetParser();
                errnoParser.AddLine(line);
                errno = errnoParser.Errno;
            }
            else if (snapshotParser is not null)
            {
                snapshotParser.AddLine(line);
            }
            else if (line == "snapshot=1")
            {
                snapshotParser = new RouterSnapshotParser();
            }
            else if (!configurationParser.AddLine(line))
            {
                throw new ConfigurationException(ConfigurationErrno.ProtocolError, "malformed wgsharp-get reply: " + configurationParser.ErrorMessage);
            }
        }

        if (errno is null)
        {
            throw new ConfigurationException(ConfigurationErrno.ProtocolError, "reply without errno");
        }

        if (errno is not 0)
        {
            throw new ConfigurationException(errno.Value, $"wgsharp-get failed with errno {errno}");
        }

        if (snapshotParser is null || configurationParser.Finish() is not { } configuration)
        {
            throw new ConfigurationException(ConfigurationErrno.ProtocolError,
                "malformed wgsharp-get reply: " + (configurationParser.ErrorMessage ?? "no snapshot=1 line"));
        }

        return new RouterInfo(configuration, snapshotParser.Finish());
    }

    /// <summary>The router's snapshot with up to <paramref name="maxFlows"/> flows.</summary>
    /// <exception cref="ConfigurationException">As <see cref="TryGetRouterInfoAsync"/>; -EPROTO when the daemon is not a wgsharp daemon.</exception>
    public RouterSnapshot GetRouterSnapshot(int maxFlows) =>
        (TryGetRouterInfoAsync(maxFlows).GetAwaiter().GetResult()
            ?? throw new ConfigurationException(ConfigurationErrno.ProtocolError, "the daemon does not serve wgsharp-get (not a wgsharp daemon?)")).Snapshot;

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
        _request.Dispose();
    }

    // Reads lines up to the blank line that ends every reply; the errno line must have come by then.
    private async Task ReadReplyAsync(UapiGetParser parser, CancellationToken cancellationToken)
    {
        long replyBytes = 0;
        while (true)
        {
            UapiReadStatus status = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (status != UapiReadStatus.Line)
            {
                throw new ConfigurationException(ConfigurationErrno.ProtocolError,
                    status == UapiReadStatus.EndOfStream ? "the daemon closed the connection without a reply" : "reply line too long");
            }

            replyBytes += _reader.Line.Length + 1;
            if (replyBytes > MaxReplyBytes)
            {
                throw new ConfigurationException(ConfigurationErrno.MessageTooLong, $"reply over {MaxReplyBytes} bytes");
            }

            if (_reader.Line.IsEmpty)
            {
                if (parser.Errno is null)
                {
                    throw new ConfigurationException(ConfigurationErrno.ProtocolError, "reply without errno");
                }

                return;
            }

            AddLine(parser, _reader.Line);
        }
    }

    private static void AddLine(UapiGetParser parser, ReadOnlySpan<byte> line)
    {
        Span<char> chars = line.Length <= 1024 ? stackalloc char[line.Length] : new char[line.Length];
        for (int i = 0; i < line.Length; i++)
        {
            chars[i] = (char)line[i];
        }

        try
        {
            parser.AddLine(chars);
        }
        finally
        {
            chars.Clear();
        }
    }
}
