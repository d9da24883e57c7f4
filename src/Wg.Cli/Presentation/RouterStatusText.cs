// The policy router's status in words: rules in the config file's grammar (peers by name where they
// have one), counters by snake_case name, flow states as `wgsharp show` prints them. The router reports
// data (RouterStatus); this is the one place that turns it into the text of a RouterSnapshot, which the
// UAPI carries and the printers show.
using System.Globalization;
using System.Net;
using System.Text;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Device;
using WgSharp.Router.Nat;
using WgSharp.Router.Packets;
using WgSharp.Router.Policy;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Presentation;

internal static class RouterStatusText
{
    /// <summary>The router's status as the snapshot the UAPI carries.</summary>
    public static RouterSnapshot ToSnapshot(RouterStatus status) => new()
    {
        Rules = [.. status.Rules.Select(r => new RouterRuleStatus(r.Rule.Line, Describe(r.Rule, status.PeerNames), r.Packets, r.Bytes))],
        Flows = [.. status.Flows.Select(ToRouterFlow)],
        FlowCount = status.FlowCount,
        FlowCapacity = status.FlowCapacity,
        Counters = CounterNames(status.Counters),
        WhenUpPeers = status.WhenUpPeers,
    };

    /// <summary>Every counter by its name: conntrack_*, nat_drop_* and drop_* (one per reason, zero included).</summary>
    public static List<KeyValuePair<string, ulong>> CounterNames(RouterCounters counters)
    {
        List<KeyValuePair<string, ulong>> named = [];
        Add("conntrack_inserted", counters.ConntrackInserted);
        Add("conntrack_expired", counters.ConntrackExpired);
        Add("conntrack_evicted", counters.ConntrackEvicted);
        Add("conntrack_refused_full", counters.ConntrackRefusedFull);
        Add("conntrack_ports_exhausted", counters.ConntrackPortsExhausted);
        Add("conntrack_reply_in_use", counters.ConntrackReplyInUse);
        Add("conntrack_refused_share", counters.ConntrackRefusedShare);
        foreach ((NatDrop reason, long value) in counters.NatDrops)
        {
            Add("nat_drop_" + SnakeCase(reason.ToString()), value);
        }

        foreach ((DeviceDrop reason, long value) in counters.DeviceDrops)
        {
            Add("drop_" + SnakeCase(reason.ToString()), value);
        }

        return named;

        void Add(string name, long value) => named.Add(new KeyValuePair<string, ulong>(name, (ulong)Math.Max(0, value)));
    }

    /// <summary>"PolicyDrop" → "policy_drop".</summary>
    public static string SnakeCase(string name)
    {
        StringBuilder text = new(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    /// <summary>A flow's state as `show` prints it: the TCP state, or the protocol for those without states.</summary>
    public static string FlowState(in FlowSnapshot flow) => flow.Original.Protocol switch
    {
        IpProtocol.Tcp => SnakeCase(flow.TcpState.ToString()),
        IpProtocol.Udp => "udp",
        IpProtocol.Icmp or IpProtocol.IcmpV6 => "icmp",
        _ => "other",
    };

    private static RouterFlow ToRouterFlow(TrackedFlow tracked)
    {
        FlowSnapshot flow = tracked.Flow;
        return new RouterFlow(
            flow.Original.Protocol,
            new IPEndPoint(flow.Original.Source.ToIPAddress(), flow.Original.SourcePort),
            new IPEndPoint(flow.Original.Destination.ToIPAddress(), flow.Original.DestinationPort),
            new IPEndPoint(flow.Reply.Source.ToIPAddress(), flow.Reply.SourcePort),
            new IPEndPoint(flow.Reply.Destination.ToIPAddress(), flow.Reply.DestinationPort),
            FlowState(flow),
            tracked.Peer,
            flow.Assured,
            flow.ExpiresIn);
    }

    /// <summary>A rule in the config file's words, peers by name where they have one (`wgsharp show`).</summary>
    public static string Describe(RouterRule rule, IReadOnlyDictionary<PublicKey, string> names)
    {
        List<string> parts = [];
        if (rule.From.Count > 0)
        {
            parts.Add("From = " + string.Join(", ", rule.From.Select(Prefix)));
        }

        if (rule.To.Count > 0)
        {
            parts.Add("To = " + string.Join(", ", rule.To.Select(Prefix)));
        }

        if (rule.Protocol is { } protocol)
        {
            parts.Add("Protocol = " + protocol switch
            {
                IpProtocol.Tcp => "tcp",
                IpProtocol.Udp => "udp",
                IpProtocol.Icmp => "icmp",
                IpProtocol.IcmpV6 => "icmpv6",
                _ => protocol.ToString(CultureInfo.InvariantCulture),
            });
        }

        if (rule.Port is { } port)
        {
            parts.Add("Port = " + port.ToString());
        }

        if (rule.SourcePort is { } sourcePort)
        {
            parts.Add("SourcePort = " + sourcePort.ToString());
        }

        if (rule.Input is { } input)
        {
            parts.Add("Input = " + Name(input));
        }

        if (rule.Mark is { } mark)
        {
            parts.Add("Mark = " + mark.ToString());
        }

        if (rule.State != RouterRuleStates.None)
        {
            parts.Add("State = " + RouterRuleStatesText.Format(rule.State));
        }

        if (rule.Peer is { } peer)
        {
            parts.Add("Peer = " + Name(peer));
        }

        parts.Add("Action = " + RouterConfigurationValidator.Word(rule.Action));
        if (rule.Masquerade)
        {
            parts.Add("Masquerade = yes");
        }

        if (rule.SetMark is { } setMark)
        {
            parts.Add("SetMark = " + setMark.ToString());
        }

        if (rule.Priority is { } priority)
        {
            parts.Add("Priority = " + priority.ToString(CultureInfo.InvariantCulture));
        }

        return string.Join("; ", parts);

        string Name(PublicKey key) => names.TryGetValue(key, out string? name) ? name : key.ToBase64();
        static string Prefix(PrefixSelector prefix) => (prefix.Negated ? "!" : "") + prefix.Network.ToString();
    }
}
