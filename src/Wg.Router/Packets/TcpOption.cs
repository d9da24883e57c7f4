// One TCP option (RFC 9293 3.2) as found by TcpOptionEnumerator: kind, data, and where it sits.
namespace WgSharp.Router.Packets;

internal readonly ref struct TcpOption
{
    /// <summary>End of Option List (RFC 9293 3.2).</summary>
    public const byte KindEnd = 0;
    /// <summary>No-Operation (padding).</summary>
    public const byte KindNoOperation = 1;
    /// <summary>Maximum Segment Size, length 4 (RFC 9293 3.7.1).</summary>
    public const byte KindMaximumSegmentSize = 2;
    /// <summary>Window Scale, length 3 (RFC 7323 2.2).</summary>
    public const byte KindWindowScale = 3;
    /// <summary>SACK Permitted, length 2 (RFC 2018).</summary>
    public const byte KindSackPermitted = 4;
    /// <summary>Timestamps, length 10 (RFC 7323 3.2).</summary>
    public const byte KindTimestamps = 8;

    public TcpOption(byte kind, int offset, Span<byte> data)
    {
        Kind = kind;
        Offset = offset;
        Data = data;
    }

    public byte Kind { get; }

    /// <summary>Offset of the kind byte from the start of the TCP header.</summary>
    public int Offset { get; }

    /// <summary>The option's data (after kind and length), in place.</summary>
    public Span<byte> Data { get; }
}
