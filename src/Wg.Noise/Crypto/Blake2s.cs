// BLAKE2s (RFC 7693), plain and keyed, with digests of 1 to 32 bytes. WireGuard hashes many small
// inputs during a handshake; a managed implementation avoids a native call and an OpenSSL EVP
// context per hash, and is checked against the RFC 7693 vectors by the tests and the self-test.
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace WgSharp.Noise.Crypto;

internal struct Blake2s
{
    public const int BlockSize = 64;
    public const int MaxDigestSize = 32;
    public const int MaxKeySize = 32;

    // RFC 7693 §2.6: the SHA-256 initial values.
    private static ReadOnlySpan<uint> IV =>
    [
        0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au, 0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, 0x5BE0CD19u,
    ];

    // RFC 7693 §2.7: message word schedule, ten rounds of sixteen indices.
    private static ReadOnlySpan<byte> Sigma =>
    [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
        11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
        7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
        9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
        2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
        12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
        13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
        6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
        10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
    ];

    [InlineArray(8)]
    private struct StateWords { private uint _element; }

    [InlineArray(BlockSize)]
    private struct BlockBuffer { private byte _element; }

    private StateWords _h;
    private BlockBuffer _buffer;
    private ulong _bytesCompressed;
    private int _buffered;
    private int _digestSize;

    /// <summary>Starts a hash with the given digest size and optional key (RFC 7693 §3.3).</summary>
    public Blake2s(int digestSize, ReadOnlySpan<byte> key = default)
    {
        if (digestSize is < 1 or > MaxDigestSize || key.Length > MaxKeySize)
        {
            CryptoErrors.ThrowArgumentOutOfRange(nameof(digestSize));
        }

        _digestSize = digestSize;
        IV.CopyTo(_h);
        // Parameter block word 0: digest length, key length, fanout = 1, depth = 1.
        _h[0] ^= 0x01010000u ^ ((uint)key.Length << 8) ^ (uint)digestSize;
        if (!key.IsEmpty)
        {
            // A key is processed as a full zero-padded first block.
            key.CopyTo(_buffer);
            _buffered = BlockSize;
        }
    }

    public void Update(ReadOnlySpan<byte> input)
    {
        while (!input.IsEmpty)
        {
            // The last block must be compressed with the final flag, so a full buffer is only
            // compressed once more input proves it is not the last.
            if (_buffered == BlockSize)
            {
                _bytesCompressed += BlockSize;
                Compress(_buffer, isLast: false);
                _buffered = 0;
            }

            int take = Math.Min(BlockSize - _buffered, input.Length);
            input[..take].CopyTo(((Span<byte>)_buffer)[_buffered..]);
            _buffered += take;
            input = input[take..];
        }
    }

    public void Finish(Span<byte> digest)
    {
        if (digest.Length < _digestSize)
        {
            CryptoErrors.ThrowDestinationTooSmall();
        }

        _bytesCompressed += (ulong)_buffered;
        ((Span<byte>)_buffer)[_buffered..].Clear();
        Compress(_buffer, isLast: true);

        Span<byte> full = stackalloc byte[MaxDigestSize];
        for (int i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(full[(i * 4)..], _h[i]);
        }

        full[.._digestSize].CopyTo(digest);
        full.Clear();
        this = default; // no chaining value left behind
    }

    /// <summary>One-shot hash: digest.Length bytes of BLAKE2s(key, input).</summary>
    public static void Hash(ReadOnlySpan<byte> input, Span<byte> digest, ReadOnlySpan<byte> key = default)
    {
        var state = new Blake2s(digest.Length, key);
        state.Update(input);
        state.Finish(digest);
    }

    private void Compress(ReadOnlySpan<byte> block, bool isLast)
    {
        Span<uint> m = stackalloc uint[16];
        for (int i = 0; i < 16; i++)
        {
            m[i] = BinaryPrimitives.ReadUInt32LittleEndian(block[(i * 4)..]);
        }

        uint v0 = _h[0], v1 = _h[1], v2 = _h[2], v3 = _h[3], v4 = _h[4], v5 = _h[5], v6 = _h[6], v7 = _h[7];
        uint v8 = IV[0], v9 = IV[1], v10 = IV[2], v11 = IV[3];
        uint v12 = IV[4] ^ (uint)_bytesCompressed;
        uint v13 = IV[5] ^ (uint)(_bytesCompressed >> 32);
        uint v14 = isLast ? ~IV[6] : IV[6];
        uint v15 = IV[7];

        ReadOnlySpan<byte> sigma = Sigma;
        for (int round = 0; round < 10; round++)
        {
            ReadOnlySpan<byte> s = sigma.Slice(round * 16, 16);
            G(ref v0, ref v4, ref v8, ref v12, m[s[0]], m[s[1]]);
            G(ref v1, ref v5, ref v9, ref v13, m[s[2]], m[s[3]]);
            G(ref v2, ref v6, ref v10, ref v14, m[s[4]], m[s[5]]);
            G(ref v3, ref v7, ref v11, ref v15, m[s[6]], m[s[7]]);
            G(ref v0, ref v5, ref v10, ref v15, m[s[8]], m[s[9]]);
            G(ref v1, ref v6, ref v11, ref v12, m[s[10]], m[s[11]]);
            G(ref v2, ref v7, ref v8, ref v13, m[s[12]], m[s[13]]);
            G(ref v3, ref v4, ref v9, ref v14, m[s[14]], m[s[15]]);
        }

        _h[0] ^= v0 ^ v8;
        _h[1] ^= v1 ^ v9;
        _h[2] ^= v2 ^ v10;
        _h[3] ^= v3 ^ v11;
        _h[4] ^= v4 ^ v12;
        _h[5] ^= v5 ^ v13;
        _h[6] ^= v6 ^ v14;
        _h[7] ^= v7 ^ v15;
        m.Clear();
    }

    // RFC 7693 §3.1, with BLAKE2s's rotation constants (16, 12, 8, 7).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G(ref uint a, ref uint b, ref uint c, ref uint d, uint x, uint y)
    {
        a = a + b + x;
        d = BitOperations.RotateRight(d ^ a, 16);
        c += d;
        b = BitOperations.RotateRight(b ^ c, 12);
        a = a + b + y;
        d = BitOperations.RotateRight(d ^ a, 8);
        c += d;
        b = BitOperations.RotateRight(b ^ c, 7);
    }
}
