// A raw client of a UAPI socket for protocol tests: sends exact bytes and reads replies up to the
// blank line that ends them, with a timeout on every read.
using System.Net.Sockets;
using System.Text;

namespace WgSharp.Cli.Tests.Support;

internal sealed class RawUapiConnection : IDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly StringBuilder _pending = new();

    private RawUapiConnection(Socket socket) => _socket = socket;

    public static RawUapiConnection Open(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return new RawUapiConnection(socket);
    }

    public Socket Socket => _socket;

    public void Send(string text) => _socket.Send(Encoding.ASCII.GetBytes(text));

    /// <summary>One reply through its final blank line, or null if the server closed the connection first.</summary>
    public async Task<string?> ReadReplyAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        int searched = 0;
        while (true)
        {
            for (int i = Math.Max(searched - 1, 0); i + 1 < _pending.Length; i++)
            {
                if (_pending[i] == '\n' && _pending[i + 1] == '\n')
                {
                    string reply = _pending.ToString(0, i + 2);
                    _pending.Remove(0, i + 2);
                    return reply;
                }
            }

            searched = _pending.Length;

            int read;
            try
            {
                read = await _socket.ReceiveAsync(_buffer, SocketFlags.None, timeout.Token);
            }
            catch (SocketException)
            {
                return null;
            }

            if (read == 0)
            {
                return null;
            }

            _pending.Append(Encoding.ASCII.GetString(_buffer, 0, read));
        }
    }

    /// <summary>True once the server has closed its end (end of stream with nothing more to read).</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        try
        {
            return await _socket.ReceiveAsync(_buffer, SocketFlags.None, timeout.Token) == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public void Dispose() => _socket.Dispose();
}
