// What a matching rule does (the [Rule] Action, Peer and SetMark keys).
namespace WgSharp.Router.Policy;

internal enum PolicyRuleAction : byte
{
    /// <summary>Normal routing by destination (AllowedIPs); stops evaluation. The config's default.</summary>
    Route,

    /// <summary>Send to <see cref="PolicyRule{TPeer}.Peer"/> whatever AllowedIPs say; stops evaluation.</summary>
    ToPeer,

    /// <summary>Let it through unchanged on its direction's default path; stops evaluation.</summary>
    Accept,

    /// <summary>Drop silently; stops evaluation.</summary>
    Drop,

    /// <summary>Drop and answer ICMP administratively prohibited (<see cref="PolicyReject"/>); stops evaluation.</summary>
    Reject,

    /// <summary>Apply <see cref="PolicyRule{TPeer}.SetMark"/> to the packet's mark and go on evaluating.</summary>
    SetMark,
}
