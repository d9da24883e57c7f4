// The per-peer moments the timer decision function looks at (whitepaper §6). Each is a monotonic
// timestamp in Tunnel's table; "pending" entries are set when their countdown starts and cleared when
// it is cancelled.
namespace WgSharp.Noise;

internal enum TimerEvent
{
    /// <summary>The latest session was derived (starts the 3 × REJECT_AFTER_TIME erase countdown).</summary>
    SessionDerived,
    /// <summary>The first initiation of the current handshake attempt (REKEY_ATTEMPT_TIME counts from here).</summary>
    HandshakeStarted,
    /// <summary>The latest initiation sent, first or retransmission.</summary>
    InitiationSent,
    /// <summary>Any authenticated packet sent or received (persistent keepalive counts from here).</summary>
    AuthenticatedTraversal,
    /// <summary>Pending: data received and nothing sent since; a keepalive is due KEEPALIVE_TIMEOUT later.</summary>
    KeepalivePending,
    /// <summary>Pending: data sent and nothing received since; a new handshake is due KEEPALIVE + REKEY_TIMEOUT later.</summary>
    NewHandshakePending,
    Count,
}
