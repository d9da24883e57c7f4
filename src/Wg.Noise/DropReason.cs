// Why the engine refused a packet. Every drop is counted under one of these (per peer and per device);
// nothing on the data path throws.
namespace WgSharp.Noise;

public enum DropReason
{
    None = 0,
    /// <summary>Not a WireGuard message: wrong size, non-zero reserved bytes or unknown type.</summary>
    MalformedMessage,
    /// <summary>A handshake message whose mac1 does not verify (not meant for us).</summary>
    InvalidMac1,
    /// <summary>Under load, a handshake message without a valid cookie (a cookie reply was sent instead).</summary>
    CookieRequired,
    /// <summary>Under load, a source sending initiations faster than its rate limit.</summary>
    RateLimited,
    /// <summary>A handshake message that fails to decrypt or authenticate.</summary>
    HandshakeDecryptionFailed,
    /// <summary>An initiation from a static key that is not a configured peer.</summary>
    UnknownPeer,
    /// <summary>An initiation whose timestamp is not newer than the last one accepted (a replay).</summary>
    StaleTimestamp,
    /// <summary>Initiations from one peer arriving faster than one per 20 ms.</summary>
    InitiationFlood,
    /// <summary>A response or cookie reply that matches no handshake we started.</summary>
    UnexpectedHandshakeMessage,
    /// <summary>A message addressed to a receiver index we do not have.</summary>
    UnknownReceiverIndex,
    /// <summary>A transport counter already seen or older than the replay window.</summary>
    Replay,
    /// <summary>A transport message that fails authentication.</summary>
    DecryptionFailed,
    /// <summary>A transport message for a session past REJECT_AFTER_TIME or REJECT_AFTER_MESSAGES.</summary>
    SessionExpired,
    /// <summary>A decrypted payload that is not an IPv4 or IPv6 packet of consistent length.</summary>
    InvalidInnerPacket,
    /// <summary>A packet queued for a handshake that was dropped: the queue was full (oldest first) or the handshake gave up.</summary>
    QueueOverflow,
    /// <summary>No handshake possible: no private key, or the peer's key is a low-order point.</summary>
    NoIdentity,
    /// <summary>A cookie reply that does not decrypt.</summary>
    InvalidCookieReply,
    /// <summary>The packet is larger than the protocol or buffers allow.</summary>
    PacketTooLarge,
    /// <summary>A packet whose session was erased between its counter reservation and its encryption: not sent.</summary>
    SessionErased,
}
