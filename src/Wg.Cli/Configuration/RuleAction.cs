// What a matching [Rule] does with a packet (issue 5).
namespace WgSharp.Cli.Configuration;

internal enum RuleAction
{
    /// <summary>The default: route it (to the rule's Peer when it names one, else by AllowedIPs).</summary>
    Route,

    /// <summary>Let it through unchanged and stop evaluating rules.</summary>
    Accept,

    /// <summary>Drop it silently.</summary>
    Drop,

    /// <summary>Drop it and answer ICMP administratively prohibited.</summary>
    Reject,
}
