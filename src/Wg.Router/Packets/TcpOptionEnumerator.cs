// Iterates the options of a TCP header without allocating; stops at End of Option List or at the
// first malformed option (length < 2 or running past the header), so hostile options never throw.
namespace WgSharp.Router.Packets;

internal ref struct TcpOptionEnumerator
{
    private readonly Span<byte> _header;
    private int _next;
    private TcpOption _current;

    /// <param name="header">The whole TCP header (fixed part and options).</param>
    public TcpOptionEnumerator(Span<byte> header)
    {
        _header = header;
        _next = TcpHeader.MinLength;
        _current = default;
    }

    public readonly TcpOption Current => _current;

    /// <summary>True when iteration ended on a malformed option rather than the end of the options.</summary>
    public bool IsMalformed { get; private set; }

    public readonly TcpOptionEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next option other than No-Operation.</summary>
    public bool MoveNext()
    {
        while (_next < _header.Length)
        {
            int offset = _next;
            byte kind = _header[offset];
            if (kind == TcpOption.KindEnd)
            {
                _next = _header.Length;
                return false;
            }
            if (kind == TcpOption.KindNoOperation)
            {
                _next = offset + 1;
                continue;
            }
            if (offset + 2 > _header.Length)
            {
                return Malformed();
            }
            int length = _header[offset + 1];
            if (length < 2 || offset + length > _header.Length)
            {
                return Malformed();
            }
            _current = new TcpOption(kind, offset, _header.Slice(offset + 2, length - 2));
            _next = offset + length;
            return true;
        }
        return false;
    }

    private bool Malformed()
    {
        IsMalformed = true;
        _next = _header.Length;
        return false;
    }
}
