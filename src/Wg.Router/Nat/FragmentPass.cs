// The NAT pass a fragment train is recorded at.
namespace WgSharp.Router.Nat;

internal enum FragmentPass : byte
{
    /// <summary>TranslateOutbound: from the TUN, or relayed, to a peer.</summary>
    Outbound,

    /// <summary>TranslateInbound: from a peer to the TUN.</summary>
    Inbound,
}
