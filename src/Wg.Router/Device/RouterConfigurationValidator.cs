// Checks a RouterConfiguration in full before the device applies any of it: anything the data path
// could not carry out as the configuration says is refused with a ConfigurationException naming the
// rule or forward (by config line when known) and what is wrong.
using System.Net;
using System.Net.Sockets;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Packets;
using WgSharp.Router.Policy;
using WgSharp.Tun.Net;

namespace WgSharp.Router.Device;

public static class RouterConfigurationValidator
{
    /// <summary>Smallest fixed MSS: what every IPv4 host must accept (RFC 9293 3.7.1), as the config parser checks.</summary>
    public const int MinFixedMss = 536;

    /// <summary>Largest fixed MSS: a 65535-byte IPv4 packet minus 40 bytes of headers.</summary>
    public const int MaxFixedMss = 65495;

    /// <summary>
    /// Most (interface address, port) pairs all forwards may expand to: each is an entry of the index new inbound
    /// flows are looked up in (PortForwardTable), built whenever the configuration is applied.
    /// </summary>
    public const int MaxForwardEntries = 1024;

    public const int MaxRules = 4096;

    /// <summary>Throws <see cref="ConfigurationException"/> (EINVAL) for the first problem found.</summary>
    public static void Validate(RouterConfiguration configuration)
    {
        if (configuration is null)
        {
            Fail("No router configuration was given.");
        }

        if (!Enum.IsDefined(configuration.Relay))
        {
            Fail("Relay is neither kernel nor userspace.");
        }

        if (configuration.Peers is null || configuration.Rules is null || configuration.Forwards is null || configuration.InterfaceAddresses is null)
        {
            Fail("A router configuration list is missing (null).");
        }

        HashSet<PublicKey> keys = [];
        HashSet<string> names = new(StringComparer.Ordinal);
        foreach (RouterPeerOptions? peer in configuration.Peers)
        {
            if (peer is null)
            {
                Fail("A peer's router options are missing (null).");
            }

            if (!keys.Add(peer.PublicKey))
            {
                Fail($"Peer {peer.Name ?? peer.PublicKey.ToBase64()} is listed twice in the router options.");
            }

            if (peer.Name is { } name && (name.Length == 0 || name.Any(char.IsControl) || !names.Add(name)))
            {
                Fail(name.Length == 0 || name.Any(char.IsControl) ? "A peer name is empty or has control characters." : $"Two peers are named \"{name}\".");
            }
        }

        foreach (IPAddress? address in configuration.InterfaceAddresses)
        {
            if (address is null || address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            {
                Fail("An interface address is missing or not IPv4/IPv6.");
            }
        }

        int mss = configuration.MssClamp;
        if (mss != 0 && mss != RouterConfiguration.MssClampAuto && (mss < MinFixedMss || mss > MaxFixedMss))
        {
            Fail($"MssClamp {mss} is outside {MinFixedMss}..{MaxFixedMss} (0: off, {RouterConfiguration.MssClampAuto}: auto).");
        }

        if (configuration.ConntrackPerPeer is { } share &&
            (share.Value < 1 || share.Value > (share.IsPercent ? 100 : RouterFlowShare.MaxFlows)))
        {
            Fail(share.IsPercent
                ? $"ConntrackPerPeer {share} is not a percentage 1%..100%."
                : $"ConntrackPerPeer {share} is outside 1..{RouterFlowShare.MaxFlows} flows.");
        }

        if (configuration.Rules.Count > MaxRules)
        {
            Fail($"{configuration.Rules.Count} rules are more than the {MaxRules} a device takes.");
        }

        for (int i = 0; i < configuration.Rules.Count; i++)
        {
            ValidateRule(configuration.Rules[i], i);
        }

        ValidateForwards(configuration);
    }

    private static void ValidateRule(RouterRule? rule, int index)
    {
        if (rule is null)
        {
            Fail($"Rule {index + 1} is missing (null).");
        }

        string where = Where("Rule", rule.Line, index);
        if (!Enum.IsDefined(rule.Action))
        {
            Fail($"{where}: unknown action {(int)rule.Action}.");
        }

        if (rule.From is null || rule.To is null)
        {
            Fail($"{where}: a prefix list is missing (null).");
        }

        foreach (PrefixSelector prefix in rule.From.Concat(rule.To))
        {
            if (prefix.Network.BaseAddress is null ||
                prefix.Network.BaseAddress.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            {
                Fail($"{where}: a prefix is not IPv4/IPv6.");
            }
        }

        if (rule.Peer is not null && rule.Action != RouterRuleAction.Route)
        {
            Fail($"{where}: Peer only goes with Action = route, not {Word(rule.Action)}.");
        }

        if ((rule.State & ~RouterRuleStates.All) != 0)
        {
            Fail($"{where}: State has an unknown value.");
        }

        if ((rule.State & ~RouterRuleStates.New) != 0 && rule.Action == RouterRuleAction.Route)
        {
            Fail($"{where}: State = {RouterRuleStatesText.Format(rule.State)} goes with Action = accept, drop, reject or setmark: a tracked flow keeps the route it got when it started.");
        }

        if (rule.Masquerade && rule.Action != RouterRuleAction.Route)
        {
            Fail($"{where}: Masquerade only goes with Action = route, not {Word(rule.Action)}.");
        }

        if ((rule.Action == RouterRuleAction.SetMark) != rule.SetMark.HasValue)
        {
            Fail(rule.SetMark.HasValue ? $"{where}: SetMark with Action = {Word(rule.Action)}." : $"{where}: Action = setmark without a SetMark value.");
        }

        if (rule.SetMark is { } set && (set.Value & ~set.Mask) != 0 || rule.Mark is { } mark && (mark.Value & ~mark.Mask) != 0)
        {
            Fail($"{where}: a mark value has bits outside its mask.");
        }

        if ((rule.Port.HasValue || rule.SourcePort.HasValue) && !(rule.Protocol is { } protocol && PacketSummary.HasPortsProtocol(protocol)))
        {
            Fail($"{where}: Port and SourcePort need Protocol = tcp, udp or another protocol with ports.");
        }

        if (rule.Port is { } port && port.First > port.Last || rule.SourcePort is { } source && source.First > source.Last)
        {
            Fail($"{where}: a port range ends before it starts.");
        }
    }

    private static void ValidateForwards(RouterConfiguration configuration)
    {
        int entries = 0;
        for (int i = 0; i < configuration.Forwards.Count; i++)
        {
            RouterForward? forward = configuration.Forwards[i];
            if (forward is null)
            {
                Fail($"Forward {i + 1} is missing (null).");
            }

            string where = Where("Forward", forward.Line, i);
            if (forward.Protocol is not (IpProtocol.Tcp or IpProtocol.Udp))
            {
                Fail($"{where}: Protocol {forward.Protocol} cannot be forwarded (tcp or udp only).");
            }

            if (forward.Port.First == 0 || forward.Port.First > forward.Port.Last)
            {
                Fail($"{where}: Port {forward.Port.First}-{forward.Port.Last} is not a range of ports 1..65535.");
            }

            if (forward.To is null || forward.To.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            {
                Fail($"{where}: To is not an IPv4/IPv6 address.");
            }

            if (forward.ToPort is { } toPort && (toPort == 0 || forward.Port.First != forward.Port.Last))
            {
                Fail(toPort == 0 ? $"{where}: To port 0." : $"{where}: a range of ports is forwarded to the same ports, so To takes no port.");
            }

            int addresses = configuration.InterfaceAddresses.Count(a => Normalize(a).AddressFamily == Normalize(forward.To).AddressFamily);
            if (addresses == 0)
            {
                Fail($"{where}: the interface has no {(Normalize(forward.To).AddressFamily == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address for forwarded packets to arrive at.");
            }

            for (int j = 0; j < i; j++)
            {
                RouterForward earlier = configuration.Forwards[j];
                if (earlier.Protocol == forward.Protocol && Normalize(earlier.To).AddressFamily == Normalize(forward.To).AddressFamily &&
                    earlier.Port.First <= forward.Port.Last && forward.Port.First <= earlier.Port.Last)
                {
                    Fail($"{where}: its ports overlap {Where("forward", earlier.Line, j)}.");
                }
            }

            entries += addresses * (forward.Port.Last - forward.Port.First + 1);
            if (entries > MaxForwardEntries)
            {
                Fail($"{where}: the forwards cover more than {MaxForwardEntries} (address, port) pairs.");
            }
        }
    }

    /// <summary>An IPv4-mapped IPv6 address as the IPv4 address it is.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public static string Word(RouterRuleAction action) => action.ToString().ToLowerInvariant();

    private static string Where(string section, int line, int index) =>
        line > 0 ? $"[{section}] on line {line}" : $"[{section}] {index + 1}";

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(string message) => throw new ConfigurationException(ConfigurationErrno.InvalidArgument, message);
}
