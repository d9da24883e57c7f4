// The responder's side of WireGuard's DoS mitigation (whitepaper §5.3, §5.4.7): verifies mac1 of every
// handshake message, verifies mac2 while under load, and writes cookie replies. The cookie secret Rm
// changes every two minutes; an expired secret is zeroed at once, and the last one on Dispose.
using System.Buffers.Binary;
using WgSharp.Noise.Crypto;
using WgSharp.Noise.Messages;

namespace WgSharp.Noise;

internal sealed class CookieChecker : IDisposable
{
    private readonly StaticIdentity _identity;
    private readonly IRandomSource _random;
    private readonly Lock _lock = new();

    // Guarded by _lock.
    private readonly byte[] _secret = GC.AllocateArray<byte>(NoiseCrypto.HashSize, pinned: true);
    private TimeSpan _secretCreated;
    private bool _hasSecret;

    public CookieChecker(StaticIdentity identity, IRandomSource random)
    {
        _identity = identity;
        _random = random;
    }

    /// <summary>mac1 = MAC(HASH(LABEL_MAC1 || Spub_m), msg_α): proves the sender knows our public key.</summary>
    public bool IsMac1Valid(ReadOnlySpan<byte> macedBytes, ReadOnlySpan<byte> mac1)
    {
        Span<byte> expected = stackalloc byte[NoiseCrypto.MacSize];
        NoiseCrypto.Mac(_identity.Mac1Key, macedBytes, expected);
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(expected, mac1);
    }

    /// <summary>mac2 = MAC(τ, msg_β) with τ = MAC(Rm, Am): proves the sender owns its source address.</summary>
    public bool IsMac2Valid(ReadOnlySpan<byte> macedBytes, ReadOnlySpan<byte> mac2, ReadOnlySpan<byte> sourceAddress, ushort sourcePort, TimeSpan now)
    {
        Span<byte> cookie = stackalloc byte[NoiseCrypto.MacSize];
        if (!TryComputeCookie(sourceAddress, sourcePort, now, cookie, createIfNeeded: false))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[NoiseCrypto.MacSize];
        NoiseCrypto.Mac(cookie, macedBytes, expected);
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(expected, mac2);
    }

    /// <summary>
    /// Writes a cookie reply to a handshake message (§5.4.7): receiver = the message's sender index,
    /// cookie = XAEAD(HASH(LABEL_COOKIE || Spub_m), nonce, τ, mac1 of the message). Returns its length.
    /// </summary>
    public int WriteCookieReply(uint receiverIndex, ReadOnlySpan<byte> mac1, ReadOnlySpan<byte> sourceAddress, ushort sourcePort, TimeSpan now, Span<byte> destination)
    {
        Span<byte> cookie = stackalloc byte[NoiseCrypto.MacSize];
        TryComputeCookie(sourceAddress, sourcePort, now, cookie, createIfNeeded: true);

        var reply = CookieReplyMessage.Create(destination);
        reply.ReceiverIndex = receiverIndex;
        _random.Fill(reply.Nonce);
        XAead.Seal(_identity.CookieKey, reply.Nonce, cookie, mac1, reply.EncryptedCookie);
        cookie.Clear();
        return CookieReplyMessage.Size;
    }

    /// <summary>Zeroes the secret; afterwards no mac2 verifies and a cookie reply needs a new secret.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            NoiseCrypto.Zero(_secret);
            _hasSecret = false;
        }
    }

    /// <summary>Whether the secret is all zeros (tests: rotation and Dispose erase it).</summary>
    internal bool IsSecretZero
    {
        get
        {
            lock (_lock)
            {
                return ((ReadOnlySpan<byte>)_secret).IndexOfAnyExcept((byte)0) < 0;
            }
        }
    }

    // τ = MAC(Rm, Am) where Am is the source IP address followed by the port.
    private bool TryComputeCookie(ReadOnlySpan<byte> sourceAddress, ushort sourcePort, TimeSpan now, Span<byte> cookie, bool createIfNeeded)
    {
        Span<byte> addressAndPort = stackalloc byte[18];
        sourceAddress.CopyTo(addressAndPort);
        BinaryPrimitives.WriteUInt16BigEndian(addressAndPort[sourceAddress.Length..], sourcePort);

        lock (_lock)
        {
            bool fresh = _hasSecret && now - _secretCreated < WireGuardConstants.CookieRefreshTime;
            if (!fresh)
            {
                // Rotated: the old secret must not outlive its two minutes in memory either.
                NoiseCrypto.Zero(_secret);
                _hasSecret = false;
                if (!createIfNeeded)
                {
                    return false; // no cookie of ours can be valid: none was handed out in the last two minutes
                }

                _random.Fill(_secret);
                _secretCreated = now;
                _hasSecret = true;
            }

            NoiseCrypto.Mac(_secret, addressAndPort[..(sourceAddress.Length + 2)], cookie);
        }

        return true;
    }
}
