// The control plane: applying UAPI `set` transactions atomically and reporting `get` snapshots
// (IDeviceConfigurator), and the router configuration (PolicyRouter). Socket changes are made first,
// since only they can fail; everything after them cannot, so a refused transaction leaves nothing
// half-applied. One lock, _configLock, serializes every change to peers, keys, sockets and policy.
using System.Net;
using WgSharp.Noise;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Policy;
using WgSharp.Router.Routing;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

public sealed partial class WireGuardDevice : IDeviceConfigurator
{
    private readonly Lock _configLock = new();

    // Guarded by _configLock (with _peers and the policy router's configuration).
    private PrivateKey? _privateKey;
    private ushort _listenPort;
    private uint _firewallMark;
    private int _mtu;

    // Auto MSS clamping follows the TUN's MTU, before Start too.
    private int EffectiveMtu => _mtu > 0 ? _mtu : _tun.Mtu;

    /// <summary>The engine's tunnel for a configured peer, or null (tests reach the engine's seams through it).</summary>
    internal Tunnel? FindTunnel(PublicKey peer)
    {
        lock (_configLock)
        {
            return _peers.TryGet(peer, out Peer? found) ? found.Tunnel : null;
        }
    }

    public DeviceSnapshot GetSnapshot()
    {
        lock (_configLock)
        {
            ThrowIfClosing();
            var peers = new List<PeerSnapshot>(_peers.All.Count);
            foreach (Peer peer in _peers.All)
            {
                bool handshake = peer.TryGetHandshakeSource(out UdpEndpoint handshakeSource, out bool completed, out long sequence);
                peers.Add(new PeerSnapshot
                {
                    PublicKey = peer.PublicKey,
                    PresharedKey = peer.PresharedKey?.Clone(),
                    Endpoint = peer.TryGetEndpoint(out UdpEndpoint endpoint) ? endpoint.ToIPEndPoint() : null,
                    ConfiguredEndpoint = peer.TryGetConfiguredEndpoint(out UdpEndpoint configured) ? configured.ToIPEndPoint() : null,
                    HandshakeSource = handshake ? handshakeSource.ToIPEndPoint() : null,
                    HandshakeSourceCompleted = handshake && completed,
                    HandshakeSequence = sequence,
                    LastHandshake = peer.Tunnel.LastHandshake,
                    TransmitBytes = (ulong)peer.Tunnel.TxBytes,
                    ReceiveBytes = (ulong)peer.Tunnel.RxBytes,
                    PersistentKeepaliveInterval = peer.PersistentKeepaliveSeconds,
                    AllowedIps = Array.ConvertAll(_peers.AllowedIpsOf(peer), ToNetwork),
                });
            }

            return new DeviceSnapshot
            {
                PrivateKey = _privateKey?.Clone(),
                ListenPort = _sender.Bind?.Port ?? 0,
                FirewallMark = _firewallMark,
                Peers = peers,
            };
        }
    }

    public void Apply(DeviceUpdate update)
    {
        lock (_configLock)
        {
            ThrowIfClosing();
            IUdpBind? newBind = PrepareSockets(update);

            // From here on nothing can fail.
            if (update.PrivateKey is { } key)
            {
                SetPrivateKey(key);
            }

            if (update.ReplacePeers)
            {
                foreach (Peer peer in _peers.All.ToArray())
                {
                    RemovePeer(peer);
                }
            }

            foreach (PeerUpdate change in update.Peers)
            {
                ApplyPeer(change);
            }

            if (newBind is not null)
            {
                IUdpBind? old = _sender.Bind;
                _sender.Bind = newBind;
                _listenPort = update.ListenPort ?? _listenPort;
                old?.Close(); // its receive threads end; new ones start on the new bind
                StartReceivers(newBind);
                DeviceLog.Rebound(_logger, newBind.Port);
            }

            _peers.Publish();
            if (_policy.IsConfigured)
            {
                _policy.Recompile(EffectiveMtu); // rules and options name peers by key: bind them to the peer objects now present
            }
        }
    }

    // Opens a new bind when the port changes, and sets the mark; undoes its own work before throwing.
    private IUdpBind? PrepareSockets(DeviceUpdate update)
    {
        uint mark = update.FirewallMark ?? _firewallMark;
        IUdpBind? newBind = null;
        if (update.ListenPort is { } port && (port != _listenPort || _sender.Bind is null))
        {
            try
            {
                newBind = _openBind(port);
            }
            catch (UdpBindException e)
            {
                throw new ConfigurationException(ConfigurationErrno.AddressInUse, $"Cannot listen on UDP port {port}: {e.Message}", e);
            }

            if (mark != 0)
            {
                try
                {
                    newBind.SetMark(mark);
                }
                catch (Exception e) when (e is UdpBindException or InvalidOperationException)
                {
                    newBind.Dispose();
                    throw new ConfigurationException(ConfigurationErrno.AddressInUse, $"Cannot set fwmark {mark}: {e.Message}", e);
                }
            }
        }
        else if (update.FirewallMark is { } newMark && newMark != _firewallMark && _sender.Bind is { } bind)
        {
            try
            {
                bind.SetMark(newMark);
            }
            catch (Exception e) when (e is UdpBindException or InvalidOperationException)
            {
                TryRestoreMark(bind);
                throw new ConfigurationException(ConfigurationErrno.AddressInUse, $"Cannot set fwmark {newMark}: {e.Message}", e);
            }
        }

        _firewallMark = mark;
        return newBind;
    }

    private void TryRestoreMark(IUdpBind bind)
    {
        try
        {
            bind.SetMark(_firewallMark);
        }
        catch (Exception e) when (e is UdpBindException or InvalidOperationException)
        {
            // The old mark was set once; if even that fails now, the socket keeps whatever it has.
        }
    }

    private void SetPrivateKey(PrivateKey key)
    {
        _privateKey?.Dispose();
        _privateKey = key.IsZero ? null : key.Clone();
        _directory.SetPrivateKey(_privateKey);

        // The engine drops a peer that has our own public key; mirror that here.
        if (_privateKey is not null && _peers.TryGet(_privateKey.ComputePublicKey(), out Peer? self))
        {
            RemovePeer(self);
        }
    }

    private void ApplyPeer(PeerUpdate change)
    {
        if (_directory.PublicKey is { } own && own == change.PublicKey)
        {
            return; // wireguard-go ignores a peer section for the interface's own key
        }

        _peers.TryGet(change.PublicKey, out Peer? peer);
        if (change.Remove)
        {
            if (peer is not null)
            {
                RemovePeer(peer);
            }

            return;
        }

        if (peer is null)
        {
            if (change.UpdateOnly)
            {
                return;
            }

            peer = _peers.Add(_directory.AddPeer(change.PublicKey));
            peer.Tunnel.Mtu = _mtu;
            DeviceLog.PeerCreated(_logger, peer);
        }

        if (change.PresharedKey is { } psk)
        {
            peer.SetPresharedKey(psk);
        }

        if (change.Endpoint is { } endpoint)
        {
            peer.SetEndpoint(UdpEndpoint.FromIPEndPoint(endpoint));
        }

        if (change.PersistentKeepaliveInterval is { } keepalive)
        {
            peer.SetPersistentKeepalive(keepalive);
        }

        if (change.ReplaceAllowedIps)
        {
            _peers.ClearAllowedIps(peer);
        }

        foreach (AllowedIpChange allowed in change.AllowedIpChanges)
        {
            IpPrefix prefix = ToPrefix(allowed.Network);
            if (allowed.Remove)
            {
                _peers.RemoveAllowedIp(prefix, peer);
            }
            else
            {
                _peers.AddAllowedIp(prefix, peer);
            }
        }
    }

    private void RemovePeer(Peer peer)
    {
        _peers.Remove(peer);
        _directory.RemovePeer(peer.PublicKey);
        _policy.RemovePeer(peer);
        peer.Dispose();
        DeviceLog.PeerRemoved(_logger, peer);
    }

    /// <summary>Whether packets pass the router stage (false: the configuration in force looks at no packet).</summary>
    public bool HasRouterStage => _policy.InForce is not null;

    /// <summary>The router configuration in force (<see cref="RouterConfiguration.Empty"/> at start).</summary>
    public RouterConfiguration RouterConfiguration
    {
        get
        {
            lock (_configLock)
            {
                return _policy.Configuration;
            }
        }
    }

    /// <summary>
    /// Validates <paramref name="configuration"/> in full and makes it the one in force; throws
    /// <see cref="ConfigurationException"/> and changes nothing when it is invalid. Rule hit counters of rules that
    /// stay the same carry over; flows already tracked keep their translation until they expire.
    /// </summary>
    public void SetRouterConfiguration(RouterConfiguration configuration)
    {
        RouterConfigurationValidator.Validate(configuration);
        lock (_configLock)
        {
            ThrowIfClosing();
            _policy.Configure(configuration, EffectiveMtu);
        }
    }

    /// <summary>What the router reports for `wgsharp show`: rules with hit counts, up to <paramref name="maxFlows"/>
    /// tracked flows, counters, when-up peers.</summary>
    public RouterStatus GetRouterStatus(int maxFlows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFlows);
        lock (_configLock)
        {
            ThrowIfClosing();
            return _policy.GetStatus(maxFlows);
        }
    }

    private void ThrowIfClosing()
    {
        if (_closing)
        {
            throw new ConfigurationException(ConfigurationErrno.IoError, "The device is shutting down.");
        }
    }

    private static IpPrefix ToPrefix(IPNetwork network) =>
        new(IpAddressKey.FromIPAddress(network.BaseAddress), network.PrefixLength);

    private static IPNetwork ToNetwork(IpPrefix prefix) =>
        new(prefix.Address.ToIPAddress(), prefix.Length);
}
