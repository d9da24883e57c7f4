// Base of the 32-byte secrets (private and preshared keys): kept in pinned memory so the GC never
// copies them, zeroed on Dispose, and never printed.
using WgSharp.Noise.Crypto;

namespace WgSharp.Noise.Keys;

public abstract class SecretKey : IDisposable
{
    public const int Size = KeyEncoding.KeySize;

    // Pinned: a moving GC would leave copies of the secret behind in memory we cannot zero.
    private readonly byte[] _bytes = GC.AllocateArray<byte>(Size, pinned: true);
    private bool _disposed;

    protected SecretKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A key is {Size} bytes, not {bytes.Length}.", nameof(bytes));
        }

        bytes.CopyTo(_bytes);
    }

    internal ReadOnlySpan<byte> Bytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _bytes;
        }
    }

    public bool IsZero => ((ReadOnlySpan<byte>)Bytes).IndexOfAnyExcept((byte)0) < 0;

    /// <summary>The key in base64, for writing a configuration file. Say it out loud: this is a secret.</summary>
    public string ExportBase64() => KeyEncoding.ToBase64(Bytes);

    /// <summary>Bytes <see cref="ExportBase64Utf8"/> writes.</summary>
    public const int Base64Utf8Length = (Size + 2) / 3 * 4;

    /// <summary>
    /// Writes the key in base64 as UTF-8 into <paramref name="destination"/> (at least <see cref="Base64Utf8Length"/>
    /// bytes) and returns the bytes written: for writers that keep secrets out of immutable strings. A secret.
    /// </summary>
    public int ExportBase64Utf8(Span<byte> destination)
    {
        System.Buffers.Text.Base64.EncodeToUtf8(Bytes, destination, out _, out int written);
        return written;
    }

    /// <summary>The key in hex, for the UAPI. This is a secret.</summary>
    public string ExportHex() => KeyEncoding.ToHex(Bytes);

    public bool SecretEquals(SecretKey? other) =>
        other is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Bytes, other.Bytes);

    /// <summary>Never the key itself: logs and exception messages must not carry secrets.</summary>
    public override string ToString() => "(hidden)";

    public void Dispose()
    {
        if (!_disposed)
        {
            NoiseCrypto.Zero(_bytes);
            _disposed = true;
        }

        GC.SuppressFinalize(this);
    }

    protected static bool TryDecode(ReadOnlySpan<char> text, bool hex, Span<byte> bytes) =>
        hex ? KeyEncoding.TryDecodeHex(text, bytes) : KeyEncoding.TryDecodeBase64(text, bytes);
}
