// A Curve25519 public key: a 32-byte value usable as a dictionary key, parsed from and printed as
// base64 or hex.
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace WgSharp.Noise.Keys;

public readonly struct PublicKey : IEquatable<PublicKey>
{
    public const int Size = KeyEncoding.KeySize;

    [InlineArray(Size)]
    private struct Bytes32 { private byte _element; }

    private readonly Bytes32 _bytes;

    public PublicKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A public key is {Size} bytes, not {bytes.Length}.", nameof(bytes));
        }

        bytes.CopyTo(_bytes);
    }

    [UnscopedRef]
    public ReadOnlySpan<byte> AsSpan() => _bytes;

    public bool IsZero => ((ReadOnlySpan<byte>)_bytes).IndexOfAnyExcept((byte)0) < 0;

    public static bool TryParseBase64(ReadOnlySpan<char> text, out PublicKey key)
    {
        Span<byte> bytes = stackalloc byte[Size];
        bool ok = KeyEncoding.TryDecodeBase64(text, bytes);
        key = ok ? new PublicKey(bytes) : default;
        return ok;
    }

    public static bool TryParseHex(ReadOnlySpan<char> text, out PublicKey key)
    {
        Span<byte> bytes = stackalloc byte[Size];
        bool ok = KeyEncoding.TryDecodeHex(text, bytes);
        key = ok ? new PublicKey(bytes) : default;
        return ok;
    }

    public string ToBase64() => KeyEncoding.ToBase64(_bytes);

    public string ToHex() => KeyEncoding.ToHex(_bytes);

    public override string ToString() => ToBase64();

    public bool Equals(PublicKey other) => ((ReadOnlySpan<byte>)_bytes).SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => obj is PublicKey other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    public static bool operator ==(PublicKey left, PublicKey right) => left.Equals(right);

    public static bool operator !=(PublicKey left, PublicKey right) => !left.Equals(right);
}
