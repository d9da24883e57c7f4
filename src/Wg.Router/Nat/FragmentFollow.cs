// What a datagram's later fragments take from its first: the addresses it left with and the NAT result it got.
using System.Runtime.InteropServices;

namespace WgSharp.Router.Nat;

[StructLayout(LayoutKind.Auto)]
internal readonly struct FragmentFollow
{
    public FragmentFollow(in FlowTuple addresses, bool translated, PacketTracking tracking, bool established, FlowOrigin origin, int flowPeer)
    {
        Addresses = addresses;
        Translated = translated;
        // The first fragment opened the flow; the others travel on it.
        Tracking = tracking == PacketTracking.New ? PacketTracking.Original : tracking;
        Established = established;
        Origin = origin;
        FlowPeer = flowPeer;
        IsDropped = false;
    }

    private FragmentFollow(bool dropped) => IsDropped = dropped;

    /// <summary>The first fragment was dropped: so are the others.</summary>
    public static FragmentFollow Dropped => new(true);

    public bool IsDropped { get; }

    /// <summary>Protocol and addresses the first fragment carried after translation (ports 0).</summary>
    public FlowTuple Addresses { get; }

    public bool Translated { get; }

    public PacketTracking Tracking { get; }

    public bool Established { get; }

    public FlowOrigin Origin { get; }

    /// <summary>The peer the first fragment went to (outbound) or came from (inbound).</summary>
    public int FlowPeer { get; }

    public NatResult ToResult() => NatResult.Pass(Tracking, Translated, Established, Origin);
}
