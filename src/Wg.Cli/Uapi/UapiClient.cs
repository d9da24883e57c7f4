// A client of an interface's UAPI socket (the daemon's own, or wireguard-go's): connect, get the
// configuration, apply a set. Used by the wgsharp commands that talk to a running daemon.
using System.Net.Sockets;
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
