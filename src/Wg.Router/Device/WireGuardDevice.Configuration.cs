// The control plane: applying UAPI `set` transactions atomically and reporting `get` snapshots
// (IDeviceConfigurator). Socket changes are made first, since only they can fail; everything after
// them cannot, so a refused transaction leaves nothing half-applied.
using System.Net;
using WgSharp.Noise;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Routing;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

internal sealed partial class WireGuardDevice : IDeviceConfigurator
{
    private readonly Lock _configLock = new();

    // Guarded by _configLock.
    private readonly Dictionary<PublicKey, Peer> _peers = [];
    private PrivateKey? _privateKey;
    private ushort _listenPort;
    private uint _firewallMark;
    private int _mtu;

    // Rebuilt under _configLock on every peer change; read by the timer thread without locking.
    private volatile Peer[] _peerList = [];

    /// <summary>The engine's tunnel for a configured peer, or null (tests reach the engine's seams through it).</summary>
    internal Tunnel? FindTunnel(PublicKey peer)
    {
        lock (_configLock)
        {
            return _peers.TryGetValue(peer, out Peer? found) ? found.Tunnel : null;
        }
    }

    public DeviceSnapshot GetSnapshot()
    {
        lock (_configLock)
        {
            if (_closing)
            {
                throw new ConfigurationException(ConfigurationErrno.IoError, "The device is shutting down.");
            }

            var peers = new List<PeerSnapshot>(_peers.Count);
            foreach (Peer peer in _peers.Values)
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
                    AllowedIps = Array.ConvertAll(_allowedIps.GetPrefixes(peer), ToNetwork),
                });
            }

            return new DeviceSnapshot
            {
                PrivateKey = _privateKey?.Clone(),
                ListenPort = _bind?.Port ?? 0,
                FirewallMark = _firewallMark,
                Peers = peers,
            };
        }
    }

    public void Apply(DeviceUpdate update)
    {
        lock (_configLock)
        {
            if (_closing)
            {
                throw new ConfigurationException(ConfigurationErrno.IoError, "The device is shutting down.");
            }

            IUdpBind? newBind = PrepareSockets(update);

            // From here on nothing can fail.
            if (update.PrivateKey is { } key)
            {
                SetPrivateKey(key);
            }

            if (update.ReplacePeers)
            {
                foreach (Peer peer in _peers.Values.ToArray())
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
                IUdpBind? old = _bind;
                _bind = newBind;
                _listenPort = update.ListenPort ?? _listenPort;
                old?.Close(); // its receive threads end; new ones start on the new bind
                StartReceivers(newBind);
                DeviceLog.Rebound(_logger, newBind.Port);
            }

            _peerList = [.. _peers.Values];
            if (_routerConfiguration != RouterConfiguration.Empty || _router is not null)
            {
                CompileRouter(); // rules and options name peers by key: bind them to the peer objects now present
            }
        }
    }

    // Opens a new bind when the port changes, and sets the mark; undoes its own work before throwing.
    private IUdpBind? PrepareSockets(DeviceUpdate update)
    {
        uint mark = update.FirewallMark ?? _firewallMark;
        IUdpBind? newBind = null;
        if (update.ListenPort is { } port && (port != _listenPort || _bind is null))
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
        else if (update.FirewallMark is { } newMark && newMark != _firewallMark && _bind is { } bind)
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
        if (_privateKey is not null && _peers.TryGetValue(_privateKey.ComputePublicKey(), out Peer? self))
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

        _peers.TryGetValue(change.PublicKey, out Peer? peer);
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

            peer = new Peer(_directory.AddPeer(change.PublicKey), ++_nextPeerTag);
            peer.Tunnel.Mtu = _mtu;
            _peers.Add(change.PublicKey, peer);
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
            _allowedIps.RemoveByValue(peer);
        }

        foreach (AllowedIpChange allowed in change.AllowedIpChanges)
        {
            IpPrefix prefix = ToPrefix(allowed.Network);
            if (allowed.Remove)
            {
                _allowedIps.RemoveByValue(peer, prefix);
            }
            else
            {
                _allowedIps.Insert(prefix, peer);
            }
        }
    }

    private void RemovePeer(Peer peer)
    {
        _peers.Remove(peer.PublicKey);
        _allowedIps.RemoveByValue(peer);
        _directory.RemovePeer(peer.PublicKey);
        _nat?.RemovePeer(peer.Tag);
        peer.Dispose();
        DeviceLog.PeerRemoved(_logger, peer);
    }

    private static IpPrefix ToPrefix(IPNetwork network) =>
        new(IpAddressKey.FromIPAddress(network.BaseAddress), network.PrefixLength);

    private static IPNetwork ToNetwork(IpPrefix prefix) =>
        new(prefix.Address.ToIPAddress(), prefix.Length);
}
