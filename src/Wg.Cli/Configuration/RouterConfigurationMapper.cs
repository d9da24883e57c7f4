// Turns a parsed configuration's policy parts ([Rule], [Forward], MssClamp, ConntrackPerPeer, Address, per-peer Name,
// Inbound and Routes) into the RouterConfiguration the device takes, with peer names resolved to keys.
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Configuration;

internal static class RouterConfigurationMapper
{
    /// <summary>
    /// The router configuration <paramref name="config"/> describes. A peer appears in
    /// <see cref="RouterConfiguration.Peers"/> only when it has a Name or a non-default Inbound or Routes.
    /// </summary>
    /// <param name="whenUpRouteTable">The kernel table `up` puts the interface's routes in (null when Table = off
    /// or the interface was not brought up by `wgsharp up`).</param>
    /// <exception cref="ConfigException">A rule names a peer the file does not define (the parser already
    /// refuses such files, so this only happens for a configuration built by hand).</exception>
    public static RouterConfiguration Map(InterfaceConfig config, uint? whenUpRouteTable)
    {
        ArgumentNullException.ThrowIfNull(config);
        var peers = new List<RouterPeerOptions>();
        foreach (PeerConfig peer in config.Peers)
        {
            if (peer.Name is not null || peer.Inbound != InboundPolicy.Any || peer.Routes != RoutesPolicy.Always)
            {
                peers.Add(new RouterPeerOptions(peer.PublicKey, peer.Name,
                    InboundEstablishedOnly: peer.Inbound == InboundPolicy.Established,
                    RoutesWhenUp: peer.Routes == RoutesPolicy.WhenUp));
            }
        }

        return new RouterConfiguration
        {
            Peers = peers,
            Rules = [.. config.Rules.Select(rule => MapRule(config, rule))],
            Forwards = [.. config.Forwards.Select(MapForward)],
            MssClamp = config.MssClamp.Mode switch
            {
                MssClampMode.Auto => RouterConfiguration.MssClampAuto,
                MssClampMode.Fixed => config.MssClamp.Bytes,
                _ => 0,
            },
            ConntrackPerPeer = config.ConntrackPerPeer,
            Relay = config.Relay ?? RouterRelay.Kernel,
            InterfaceAddresses = [.. config.Addresses.Select(a => a.Address).Distinct()],
            WhenUpRouteTable = whenUpRouteTable,
        };
    }

    // The rule as parsed, with its peer names resolved; a SetMark key makes it a set-mark rule (the config file has no
    // Action word for that).
    private static RouterRule MapRule(InterfaceConfig config, RuleConfig rule) => rule.Rule with
    {
        Input = rule.Input is { } input ? KeyOf(config, input, rule.Line, "Input") : null,
        Peer = rule.Peer is { } peer ? KeyOf(config, peer, rule.Line, "Peer") : null,
        Action = rule.SetMark is not null ? RouterRuleAction.SetMark : rule.Action,
    };

    private static RouterForward MapForward(ForwardConfig forward) => forward.ToAddress is not null
        ? forward.Forward
        : throw new ArgumentException($"the [Forward] on line {forward.Line} has no To", nameof(forward));

    private static PublicKey KeyOf(InterfaceConfig config, string name, int line, string key) =>
        config.FindPeer(name) is { } peer ? peer.PublicKey
            : throw new ConfigException(new ConfigError(config.FileName, line, $"{key}: no [Peer] has Name = {ConfigValues.Quote(name)}"));
}
