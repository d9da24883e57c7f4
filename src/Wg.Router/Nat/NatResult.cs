// The outcome of NatEngine.TranslateOutbound / TranslateInbound for one packet.
using System.Runtime.InteropServices;

namespace WgSharp.Router.Nat;

[StructLayout(LayoutKind.Auto)]
internal readonly struct NatResult
{
    private NatResult(bool dropped, NatDrop dropReason, PacketTracking tracking, bool translated, bool established, FlowOrigin origin = FlowOrigin.Local, int flowPeer = ConnectionTracker.AnyPeer)
    {
        Origin = origin;
        FlowPeer = flowPeer;
        IsDropped = dropped;
        DropReason = dropReason;
        Tracking = tracking;
        Translated = translated;
        IsEstablished = established;
    }

    /// <summary>The packet must not go on; <see cref="DropReason"/> says why (already counted).</summary>
    public bool IsDropped { get; }

    public NatDrop DropReason { get; }

    public PacketTracking Tracking { get; }

    /// <summary>The packet's bytes were rewritten (same length; checksums kept valid).</summary>
    public bool Translated { get; }

    /// <summary>Inbound only: a reply to, or an ICMP error about, a flow that went out to the sending peer.</summary>
    public bool IsEstablished { get; }

    /// <summary>Who opened the flow the packet belongs to (<see cref="FlowOrigin.Local"/> when it belongs to none).</summary>
    public FlowOrigin Origin { get; }

    /// <summary>
    /// <see cref="PacketTracking.Pending"/> only: the tag of the peer the flow the packet goes the original way of
    /// was opened to (the packet is at a relay hop's input), or <see cref="ConnectionTracker.AnyPeer"/> when it
    /// belongs to no flow yet.
    /// </summary>
    public int FlowPeer { get; }

    /// <summary>True when the packet belongs to no flow and cannot open one (what nftables calls `ct state invalid`).</summary>
    public bool IsInvalid => IsDropped && DropReason is NatDrop.TcpWithoutFlow or NatDrop.IcmpWithoutFlow or NatDrop.IcmpErrorMisdirected;

    internal static NatResult Drop(NatDrop reason) => new(true, reason, default, false, false);

    internal static NatResult Pass(PacketTracking tracking, bool translated, bool established, FlowOrigin origin = FlowOrigin.Local) =>
        new(false, default, tracking, translated, established, origin);

    internal static NatResult PendingOnFlow(FlowOrigin origin, int flowPeer) =>
        new(false, default, PacketTracking.Pending, false, false, origin, flowPeer);

    /// <summary>
    /// A fragment that came before its datagram's first fragment, kept by the NAT until that one comes (or the train
    /// times out): the caller must not send it on, and it is no drop. <see cref="IsDropped"/> is true with it.
    /// </summary>
    public bool IsHeld { get; private init; }

    /// <summary>
    /// For a first fragment: the fragments held for it, now translated its way, for
    /// <see cref="NatEngine.TryTakeReleased"/> to hand over, to be sent where this packet goes.
    /// </summary>
    public FragmentRelease Released { get; private init; }

    internal static NatResult Held() => new(true, default, default, false, false) { IsHeld = true };

    internal NatResult WithReleased(in FragmentRelease released) => this with { Released = released };

    public override string ToString() =>
        IsHeld ? "held" : IsDropped ? $"drop ({DropReason})" : $"pass ({Tracking}{(Translated ? ", translated" : "")}{(IsEstablished ? ", established" : "")})";
}
