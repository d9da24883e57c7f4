// A growable byte buffer for protocol text that may hold keys (UAPI requests and replies): pinned so
// the GC leaves no copies, and zeroed whenever it grows, is cleared, or is disposed.
using System.Buffers;
using System.Security.Cryptography;

namespace WgSharp.Cli.Uapi;

internal sealed class SecretBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    public SecretBuffer(int initialCapacity = 4096) =>
        _buffer = GC.AllocateUninitializedArray<byte>(Math.Max(initialCapacity, 256), pinned: true);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public int WrittenCount => _written;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _written += bytes.Length;
    }

    /// <summary>Appends ASCII text (every char below 0x80; others become '?').</summary>
    public void WriteAscii(ReadOnlySpan<char> text)
    {
        Span<byte> span = GetSpan(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            span[i] = text[i] < 0x80 ? (byte)text[i] : (byte)'?';
        }

        _written += text.Length;
    }

    public void WriteByte(byte value)
    {
        GetSpan(1)[0] = value;
        _written++;
    }

    public void WriteDecimal(ulong value)
    {
        Span<byte> span = GetSpan(20);
        value.TryFormat(span, out int length);
        _written += length;
    }

    /// <summary>Appends the lower-case hex form of <paramref name="bytes"/> (the UAPI key encoding).</summary>
    public void WriteHex(ReadOnlySpan<byte> bytes)
    {
        const string Digits = "0123456789abcdef";
        Span<byte> span = GetSpan(bytes.Length * 2);
        for (int i = 0; i < bytes.Length; i++)
        {
            span[2 * i] = (byte)Digits[bytes[i] >> 4];
            span[(2 * i) + 1] = (byte)Digits[bytes[i] & 0xF];
        }

        _written += bytes.Length * 2;
    }

    /// <summary>Zeroes what was written and starts over.</summary>
    public void Clear()
    {
        CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _written));
        _written = 0;
    }

    public void Dispose()
    {
        Clear();
    }

    private void Reserve(int sizeHint)
    {
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        int newSize = (int)Math.Min(Array.MaxLength, Math.Max((long)_buffer.Length * 2, (long)_written + needed));
        byte[] bigger = GC.AllocateUninitializedArray<byte>(newSize, pinned: true);
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _written));
        _buffer = bigger;
    }
}
