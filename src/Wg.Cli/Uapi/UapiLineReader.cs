// Reads '\n'-terminated lines from a stream into one fixed buffer, refusing lines longer than a
// limit instead of growing: a hostile peer on the UAPI socket cannot make it allocate. Consumed
// bytes are zeroed, since requests carry keys.
using System.Security.Cryptography;

namespace WgSharp.Cli.Uapi;

internal enum UapiReadStatus
{
    Line,
    EndOfStream,
    LineTooLong,
}

internal sealed class UapiLineReader : IDisposable
{
    private readonly Stream _stream;
    private readonly int _maxLineLength;
    private readonly byte[] _buffer;
    private int _start; // unconsumed bytes are [_start, _end)
    private int _end;
    private int _lineStart;
    private int _lineLength;

    public UapiLineReader(Stream stream, int maxLineLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, 1);
        _stream = stream;
        _maxLineLength = maxLineLength;
        _buffer = GC.AllocateArray<byte>(Math.Max(2 * (maxLineLength + 1), 16 * 1024), pinned: true);
    }

    /// <summary>The line found by the last successful <see cref="ReadLineAsync"/>, without its '\n'.</summary>
    public ReadOnlySpan<byte> Line => _buffer.AsSpan(_lineStart, _lineLength);

    /// <summary>Reads the next line. <see cref="UapiReadStatus.EndOfStream"/> drops an unterminated
    /// last line; after <see cref="UapiReadStatus.LineTooLong"/> the stream is out of step and should be closed.</summary>
    public async ValueTask<UapiReadStatus> ReadLineAsync(CancellationToken cancellationToken)
    {
        CryptographicOperations.ZeroMemory(_buffer.AsSpan(_lineStart, _lineLength));
        _lineLength = 0;
        while (true)
        {
            int newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                if (newline > _maxLineLength)
                {
                    return UapiReadStatus.LineTooLong;
                }

                _lineStart = _start;
                _lineLength = newline;
                _start += newline + 1;
                return UapiReadStatus.Line;
            }

            if (_end - _start > _maxLineLength)
            {
                return UapiReadStatus.LineTooLong;
            }

            if (_end == _buffer.Length)
            {
                // The buffer holds more than two lines' worth, so moving the partial line down frees room.
                int pending = _end - _start;
                _buffer.AsSpan(_start, pending).CopyTo(_buffer);
                CryptographicOperations.ZeroMemory(_buffer.AsSpan(pending, _end - pending));
                _start = 0;
                _end = pending;
            }

            int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return UapiReadStatus.EndOfStream;
            }

            _end += read;
        }
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_buffer);
}
