// One [Peer] section: the wg keys (what `wg setconf` sends) and WgSharp's peer extensions.
using System.Net;
using WgSharp.Noise.Keys;

namespace WgSharp.Cli.Configuration;

internal sealed class PeerConfig : IDisposable
{
    private PresharedKey? _presharedKey;

    public PeerConfig(int line) => Line = line;

    /// <summary>The line of the [Peer] header.</summary>
    public int Line { get; }

    /// <summary>Valid only when <see cref="PublicKeyLine"/> is not 0 (a parsed configuration always has one).</summary>
    public PublicKey PublicKey { get; set; }

    /// <summary>The line of the PublicKey key that counts (the last one, as in wg); 0 when there is none.</summary>
    public int PublicKeyLine { get; set; }

    /// <summary>null: none. Owned by this peer (setting another disposes the previous one).</summary>
    public PresharedKey? PresharedKey
    {
        get => _presharedKey;
        set
        {
            if (!ReferenceEquals(_presharedKey, value))
            {
                _presharedKey?.Dispose();
            }

            _presharedKey = value;
        }
    }

    /// <summary>Canonical prefixes (host bits cleared) in file order; every AllowedIPs line adds to them.</summary>
    public List<IPNetwork> AllowedIps { get; } = [];

    public ConfigEndpoint? Endpoint { get; set; }

    /// <summary>The endpoint to configure: set at parse time for an IP literal, by
    /// <see cref="EndpointResolver"/> for a host name; null until then (and without an Endpoint).</summary>
    public IPEndPoint? ResolvedEndpoint { get; set; }

    /// <summary>null: not given; 0: off; otherwise seconds.</summary>
    public ushort? PersistentKeepalive { get; set; }

    /// <summary>WgSharp: the name rules, logs and `wgsharp show` use; null when the peer has none.</summary>
    public string? Name { get; set; }

    /// <summary>WgSharp: which decrypted packets may enter the local side.</summary>
    public InboundPolicy Inbound { get; set; }

    /// <summary>WgSharp: when the routes towards this peer exist.</summary>
    public RoutesPolicy Routes { get; set; }

    public void Dispose() => PresharedKey = null;
}
