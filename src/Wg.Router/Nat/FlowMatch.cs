// What a conntrack lookup found: the flow's two tuples, which one the packet matched, who opened the
// flow, and its status, copied out under the lock so the caller works on a consistent snapshot.
using System.Runtime.InteropServices;

namespace WgSharp.Router.Nat;

[StructLayout(LayoutKind.Auto)]
internal readonly struct FlowMatch
{
    public FlowMatch(in FlowTuple original, in FlowTuple reply, FlowDirection direction, FlowOrigin origin, int peer, int status)
        : this(original, reply, direction, origin, peer, status, reply != original.Invert())
    {
    }

    /// <summary>With <paramref name="isTranslated"/> known (conntrack keeps it per flow, saving a compare per packet).</summary>
    internal FlowMatch(in FlowTuple original, in FlowTuple reply, FlowDirection direction, FlowOrigin origin, int peer, int status, bool isTranslated)
    {
        IsTranslated = isTranslated;
        Original = original;
        Reply = reply;
        Direction = direction;
        Origin = origin;
        Peer = peer;
        Status = status;
    }

    /// <summary>The tuple of the packet that opened the flow, as it arrived (before any NAT).</summary>
    public FlowTuple Original { get; }

    /// <summary>The tuple replies carry as they arrive (after NAT: the inverse of the translated original).</summary>
    public FlowTuple Reply { get; }

    public FlowDirection Direction { get; }

    public FlowOrigin Origin { get; }

    /// <summary>The peer tag given when the flow was opened: the peer it went out to, or came in from.</summary>
    public int Peer { get; }

    /// <summary>The <see cref="FlowStatus"/> word after this packet.</summary>
    public int Status { get; }

    public TcpConnectionState TcpState => FlowStatus.State(Status);

    /// <summary>The tuple the packet matched.</summary>
    public FlowTuple Matched => Direction == FlowDirection.Original ? Original : Reply;

    /// <summary>
    /// The tuple a packet in <see cref="Direction"/> must carry after translation: the inverse of the other
    /// direction's tuple. Equal to <see cref="Matched"/> when the flow is not translated.
    /// </summary>
    public FlowTuple Target => Direction == FlowDirection.Original ? Reply.Invert() : Original.Invert();

    /// <summary>True when the flow's tuples are not simply each other's inverse (NAT applies).</summary>
    public bool IsTranslated { get; }

    /// <summary>True when the packet is a reply on a flow that went out to <paramref name="peer"/> (from the local side
    /// or relayed): what `Inbound = established` lets in.</summary>
    public bool IsReplyFrom(int peer) => Direction == FlowDirection.Reply && Origin != FlowOrigin.Remote && Peer == peer;

    /// <summary>True when the packet goes the way of a flow that goes out through this device to a peer (local or
    /// relayed): seen arriving from a peer, it is at its relay hop's input, before the outbound translation.</summary>
    public bool IsOutgoingOriginal => Direction == FlowDirection.Original && Origin != FlowOrigin.Remote;
}
