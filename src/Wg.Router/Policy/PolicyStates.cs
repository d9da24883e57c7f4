// The conntrack states a packet can be in when the rules see it, as nftables' `ct state` names them;
// a rule selects a set of them.
namespace WgSharp.Router.Policy;

[Flags]
internal enum PolicyStates : byte
{
    None = 0,

    /// <summary>Opens a flow (or nothing tracks it: conntrack off, an ICMP message other than echo or an error).</summary>
    New = 1,

    /// <summary>A later packet of a tracked flow, either direction.</summary>
    Established = 2,

    /// <summary>An ICMP error quoting a packet of a tracked flow, addressed to that packet's sender.</summary>
    Related = 4,

    /// <summary>Belongs to no flow and cannot open one (a TCP segment other than a SYN, an echo reply, an orphan or misdirected ICMP error).</summary>
    Invalid = 8,
}
