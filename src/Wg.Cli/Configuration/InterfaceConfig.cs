// A parsed interface configuration file: the [Interface] keys of wg and wg-quick, its peers, and
// WgSharp's extensions, plus the `wg setconf` view of it (ToDeviceUpdate).
using System.Net;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Configuration;

internal sealed class InterfaceConfig : IDisposable
{
    private PrivateKey? _privateKey;

    public InterfaceConfig(string fileName) => FileName = fileName;

    /// <summary>The path as the user gave it; errors found later (when resolving endpoints, when
    /// applying) name it too.</summary>
    public string FileName { get; }

    /// <summary>The line of the first [Interface] header; 0 when there is none.</summary>
    public int Line { get; set; }

    /// <summary>Owned by this configuration (setting another disposes the previous one).</summary>
    public PrivateKey? PrivateKey
    {
        get => _privateKey;
        set
        {
            if (!ReferenceEquals(_privateKey, value))
            {
                _privateKey?.Dispose();
            }

            _privateKey = value;
        }
    }

    /// <summary>null: not given (the daemon picks a random port); 0 asks for a random port explicitly.</summary>
    public ushort? ListenPort { get; set; }

    /// <summary>null: not given; 0: off.</summary>
    public uint? FirewallMark { get; set; }

    public List<RoutePrefix> Addresses { get; } = [];

    /// <summary>DNS entries that are addresses (wg-quick: all digits and dots, or containing ':').</summary>
    public List<IPAddress> DnsServers { get; } = [];

    /// <summary>The other DNS entries: search domains.</summary>
    public List<string> DnsSearch { get; } = [];

    /// <summary>null: chosen at `up` (route to the endpoints' MTU minus 80, as wg-quick).</summary>
    public int? Mtu { get; set; }

    public RouteTable Table { get; set; } = RouteTable.Auto;

    /// <summary>Hook commands in file order, "%i" not yet replaced.</summary>
    public List<string> PreUp { get; } = [];

    public List<string> PostUp { get; } = [];

    public List<string> PreDown { get; } = [];

    public List<string> PostDown { get; } = [];

    public bool SaveConfig { get; set; }

    /// <summary>WgSharp: TCP MSS clamping.</summary>
    public MssClampSetting MssClamp { get; set; } = MssClampSetting.Off;

    /// <summary>WgSharp: most connection-tracking flows one peer (or the local side) may hold; null: the default share.</summary>
    public WgSharp.Router.Configuration.RouterFlowShare? ConntrackPerPeer { get; set; }

    /// <summary>WgSharp: where traffic between peers goes when no rule decides; null: not given (kernel).</summary>
    public WgSharp.Router.Configuration.RouterRelay? Relay { get; set; }
    /// <summary>WgSharp: the user the daemon `up` starts runs as ("root": stays root); null: the default.</summary>
    public string? User { get; set; }

    /// <summary>The line of <see cref="User"/>, for the error when no such user exists.</summary>
    public int UserLine { get; set; }

    public List<PeerConfig> Peers { get; } = [];

    /// <summary>WgSharp: policy rules in file order.</summary>
    public List<RuleConfig> Rules { get; } = [];

    /// <summary>WgSharp: port forwards in file order.</summary>
    public List<ForwardConfig> Forwards { get; } = [];

    /// <summary>The peer with this Name (names are case-sensitive); null when there is none.</summary>
    public PeerConfig? FindPeer(string name) => Peers.Find(p => p.Name == name);

    /// <summary>
    /// What `wg setconf` sends for this file: the private key, listen port and fwmark when given,
    /// replace_peers, and per peer replace_allowed_ips with its allowed IPs, the preshared key, the
    /// keepalive when given and the endpoint when known. A host-name endpoint is known only after
    /// <see cref="EndpointResolver.ResolveAll"/>; until then the peer goes without one. The caller owns
    /// (and disposes) the update, whose keys are copies.
    /// </summary>
    public DeviceUpdate ToDeviceUpdate()
    {
        var update = new DeviceUpdate
        {
            PrivateKey = PrivateKey?.Clone(),
            ListenPort = ListenPort,
            FirewallMark = FirewallMark,
            ReplacePeers = true,
        };
        foreach (PeerConfig peer in Peers)
        {
            var peerUpdate = new PeerUpdate(peer.PublicKey)
            {
                PresharedKey = peer.PresharedKey?.Clone(),
                Endpoint = peer.ResolvedEndpoint,
                PersistentKeepaliveInterval = peer.PersistentKeepalive,
                ReplaceAllowedIps = true,
            };
            update.Peers.Add(peerUpdate);
            foreach (IPNetwork network in peer.AllowedIps)
            {
                peerUpdate.AllowedIpChanges.Add(new AllowedIpChange(network, Remove: false));
            }
        }

        return update;
    }

    public void Dispose()
    {
        PrivateKey = null;
        foreach (PeerConfig peer in Peers)
        {
            peer.Dispose();
        }
    }
}
