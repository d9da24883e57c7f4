// The conntrack states a [Rule] selects with `State = new,established,related,invalid` (nftables `ct state`).
namespace WgSharp.Router.Configuration;

/// <summary>A set of states; <see cref="None"/>: not given, which means new flows only.</summary>
[Flags]
public enum RouterRuleStates
{
    None = 0,

    /// <summary>The first packet of a flow (every packet while conntrack does not run).</summary>
    New = 1,

    /// <summary>Any later packet of a tracked flow, in either direction.</summary>
    Established = 2,

    /// <summary>An ICMP error about a packet of a tracked flow.</summary>
    Related = 4,

    /// <summary>A packet that belongs to no flow and cannot open one (a TCP segment other than a SYN, for example).</summary>
    Invalid = 8,

    All = New | Established | Related | Invalid,
}
