// The initiator's side of the cookie mechanism (whitepaper §5.4.4, §5.4.7): stamps mac1 and mac2 on the
// handshake messages we send to one peer, and keeps the cookie that peer last gave us.
using WgSharp.Noise.Crypto;
using WgSharp.Noise.Keys;
using WgSharp.Noise.Messages;

namespace WgSharp.Noise;

internal sealed class CookieJar
{
    private readonly byte[] _mac1Key = new byte[NoiseCrypto.HashSize];
    private readonly byte[] _cookieKey = new byte[NoiseCrypto.HashSize];

    // Guarded by the owning tunnel's lock.
    private readonly byte[] _cookie = new byte[NoiseCrypto.MacSize];
    private readonly byte[] _lastMac1Sent = new byte[NoiseCrypto.MacSize];
    private TimeSpan _cookieReceived;
    private bool _hasCookie;
    private bool _hasSentMac1;

    public CookieJar(PublicKey peer)
    {
        NoiseCrypto.Hash(WireGuardConstants.LabelMac1, peer.AsSpan(), _mac1Key);
        NoiseCrypto.Hash(WireGuardConstants.LabelCookie, peer.AsSpan(), _cookieKey);
    }

    /// <summary>
    /// Fills mac1 and mac2 of an outgoing handshake message. mac2 is zeros unless we hold a cookie
    /// younger than two minutes (§5.4.4: "if Lm = ε or Lm ≥ 120, mac2 = 0^16").
    /// </summary>
    public void Stamp(Span<byte> message, int mac1Offset, TimeSpan now)
    {
        Span<byte> mac1 = message.Slice(mac1Offset, NoiseCrypto.MacSize);
        Span<byte> mac2 = message.Slice(mac1Offset + NoiseCrypto.MacSize, NoiseCrypto.MacSize);
        NoiseCrypto.Mac(_mac1Key, message[..mac1Offset], mac1);
        mac1.CopyTo(_lastMac1Sent);
        _hasSentMac1 = true;

        if (_hasCookie && now - _cookieReceived < WireGuardConstants.CookieRefreshTime)
        {
            NoiseCrypto.Mac(_cookie, message[..(mac1Offset + NoiseCrypto.MacSize)], mac2);
        }
        else
        {
            mac2.Clear();
        }
    }

    /// <summary>Decrypts a cookie reply; it must answer the last message we sent (its mac1 is the AAD).</summary>
    public bool TryConsume(CookieReplyMessage reply, TimeSpan now)
    {
        if (!_hasSentMac1)
        {
            return false;
        }

        Span<byte> cookie = stackalloc byte[NoiseCrypto.MacSize];
        if (!XAead.Open(_cookieKey, reply.Nonce, reply.EncryptedCookie, _lastMac1Sent, cookie))
        {
            return false;
        }

        cookie.CopyTo(_cookie);
        _cookieReceived = now;
        _hasCookie = true;
        return true;
    }
}
