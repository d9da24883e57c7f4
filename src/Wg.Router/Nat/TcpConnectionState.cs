// TCP connection states conntrack follows from the flags it sees: a simplified form of the Linux
// nf_conntrack_proto_tcp model (no window tracking, LAST_ACK folded into TIME_WAIT).
namespace WgSharp.Router.Nat;

public enum TcpConnectionState : byte
{
    /// <summary>Not a TCP flow.</summary>
    None = 0,

    /// <summary>A SYN went out in the original direction; no answer yet.</summary>
    SynSent = 1,

    /// <summary>The SYN-ACK (or a simultaneous-open SYN) came back; waiting for the final ACK.</summary>
    SynRecv = 2,

    /// <summary>The three-way handshake completed (or a mid-stream flow was picked up).</summary>
    Established = 3,

    /// <summary>One side sent a FIN.</summary>
    FinWait = 4,

    /// <summary>The first FIN was acknowledged; the other side may still send.</summary>
    CloseWait = 5,

    /// <summary>Both sides sent a FIN: waiting out the last ACK and 2·MSL.</summary>
    TimeWait = 6,

    /// <summary>Reset: kept briefly so late segments still match.</summary>
    Closed = 7,
}
