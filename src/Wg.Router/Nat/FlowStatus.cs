// The per-flow state word conntrack updates with compare-and-swap on every packet: the TCP state plus
// flags, packed in an int so two worker threads updating one flow (one per direction) never lose a step.
using WgSharp.Router.Packets;

namespace WgSharp.Router.Nat;

internal static class FlowStatus
{
    public const int StateMask = 0x0F;

    /// <summary>The first FIN came in the reply direction (so the "other side" is the original one).</summary>
    public const int FinFromReply = 0x10;

    /// <summary>A packet was seen in the reply direction.</summary>
    public const int SeenReply = 0x20;

    /// <summary>
    /// The flow proved two-way (TCP: handshake completed or a picked-up flow answered; UDP and others:
    /// a reply seen). Assured flows are never evicted to make room (Linux IPS_ASSURED); ICMP never is.
    /// </summary>
    public const int Assured = 0x40;

    public static TcpConnectionState State(int status) => (TcpConnectionState)(status & StateMask);

    /// <summary>
    /// True when a TCP packet with these flags may open a flow: a SYN (state SYN_SENT) or, like Linux
    /// with nf_conntrack_tcp_loose=1, a mid-stream segment with ACK and no SYN/RST, picked up as
    /// ESTABLISHED (so connections survive a restart or an eviction). RSTs, SYN-ACKs and flagless
    /// segments open nothing.
    /// </summary>
    public static bool TryOpenTcp(TcpFlags flags, out int status)
    {
        const TcpFlags Handshake = TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst;
        switch (flags & Handshake)
        {
            case TcpFlags.Syn:
                status = (int)TcpConnectionState.SynSent;
                return true;
            case TcpFlags.Ack:
                status = (int)TcpConnectionState.Established;
                return true;
            default:
                status = 0;
                return false;
        }
    }

    /// <summary>The status after a non-TCP packet in <paramref name="direction"/>: a reply makes the flow assured, except ICMP.</summary>
    public static int Next(int status, FlowDirection direction, bool isIcmp) =>
        direction == FlowDirection.Reply ? status | SeenReply | (isIcmp ? 0 : Assured) : status;

    /// <summary>
    /// The status after a TCP segment with <paramref name="flags"/> in <paramref name="direction"/>
    /// (RFC 9293 3.3.2 state diagram, seen from the middle as Linux tcp_conntracks does; no sequence or
    /// window checks, so an off-path RST can close a flow early, which only shortens its timeout).
    /// </summary>
    public static int NextTcp(int status, FlowDirection direction, TcpFlags flags)
    {
        bool reply = direction == FlowDirection.Reply;
        if (reply)
        {
            status |= SeenReply;
        }
        TcpConnectionState state = State(status);
        bool fromFinSender = state is TcpConnectionState.FinWait or TcpConnectionState.CloseWait
            && reply == ((status & FinFromReply) != 0);
        TcpConnectionState next = state;
        if ((flags & TcpFlags.Rst) != 0)
        {
            next = TcpConnectionState.Closed;
        }
        else if ((flags & TcpFlags.Syn) != 0)
        {
            bool ack = (flags & TcpFlags.Ack) != 0;
            next = state switch
            {
                // The answer to our SYN, or the other side's own SYN (simultaneous open, RFC 9293 3.5).
                TcpConnectionState.SynSent when reply => TcpConnectionState.SynRecv,
                // A new connection reusing the tuple of a closed one: start over, keeping the NAT mapping.
                TcpConnectionState.TimeWait or TcpConnectionState.Closed when !reply && !ack => TcpConnectionState.SynSent,
                _ => state,
            };
            if (next == TcpConnectionState.SynSent && state != TcpConnectionState.SynSent)
            {
                status &= ~(FinFromReply | SeenReply | Assured);
            }
        }
        else if ((flags & TcpFlags.Fin) != 0)
        {
            next = state switch
            {
                TcpConnectionState.SynRecv or TcpConnectionState.Established => TcpConnectionState.FinWait,
                TcpConnectionState.FinWait or TcpConnectionState.CloseWait when !fromFinSender => TcpConnectionState.TimeWait,
                _ => state,
            };
            if (next == TcpConnectionState.FinWait)
            {
                status = reply ? status | FinFromReply : status & ~FinFromReply;
            }
        }
        else if ((flags & TcpFlags.Ack) != 0)
        {
            next = state switch
            {
                // The ACK that completes the handshake comes from the side that sent the SYN.
                TcpConnectionState.SynRecv when !reply => TcpConnectionState.Established,
                TcpConnectionState.FinWait when !fromFinSender => TcpConnectionState.CloseWait,
                _ => state,
            };
        }
        if (next == TcpConnectionState.Established && (status & SeenReply) != 0)
        {
            status |= Assured;
        }
        return (status & ~StateMask) | (int)next;
    }
}
