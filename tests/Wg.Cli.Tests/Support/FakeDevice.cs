// An in-memory IDeviceConfigurator: a test double for the device that applies DeviceUpdate to a
// plain model with the contract's semantics, records what it received, and can be told to fail.
using System.Net;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Tests.Support;

internal sealed class FakeDevice : IDeviceConfigurator
{
    private readonly object _gate = new();
    private int _inside; // Interlocked: calls currently running

    public FakePeerState? this[PublicKey key] => State.Peers.Find(p => p.PublicKey == key);

    /// <summary>The current model; replaced as a whole on each successful Apply (guarded by _gate for writers).</summary>
    public FakeState State { get; private set; } = new();

    /// <summary>Every update Apply received (including refused ones), as plain data.</summary>
    public List<ReceivedUpdate> Received { get; } = [];

    /// <summary>Ports that "cannot be bound": Apply refuses them with -EADDRINUSE.</summary>
    public HashSet<ushort> PortsInUse { get; } = [];

    /// <summary>Time each call takes, to widen the window in which unserialized calls would overlap.</summary>
    public TimeSpan CallDuration { get; set; }

    /// <summary>Set when two calls ever ran at the same time.</summary>
    public bool SawOverlap { get; private set; }

    public int ApplyCount { get; private set; }

    public DeviceSnapshot GetSnapshot()
    {
        Enter();
        try
        {
            FakeState state = State;
            return new DeviceSnapshot
            {
                PrivateKey = state.PrivateKey is { } key ? PrivateKey.FromBytes(key) : null,
                ListenPort = state.ListenPort,
                FirewallMark = state.FirewallMark,
                Peers = state.Peers.Select(p => new PeerSnapshot
                {
                    PublicKey = p.PublicKey,
                    PresharedKey = p.PresharedKey is { } psk ? PresharedKey.FromBytes(psk) : null,
                    Endpoint = p.Endpoint,
                    LastHandshake = p.LastHandshake,
                    TransmitBytes = p.TransmitBytes,
                    ReceiveBytes = p.ReceiveBytes,
                    PersistentKeepaliveInterval = p.PersistentKeepaliveInterval,
                    AllowedIps = [.. p.AllowedIps],
                }).ToList(),
            };
        }
        finally
        {
            Leave();
        }
    }

    public void Apply(DeviceUpdate update)
    {
        Enter();
        try
        {
            lock (_gate)
            {
                Received.Add(ReceivedUpdate.From(update));
                FakeState next = State.Clone();
                ApplyTo(next, update);
                State = next;
                ApplyCount++;
            }
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>Sets the model directly (test setup), bypassing Apply.</summary>
    public void Set(FakeState state)
    {
        lock (_gate)
        {
            State = state;
        }
    }

    private void ApplyTo(FakeState state, DeviceUpdate update)
    {
        if (update.PrivateKey is { } privateKey)
        {
            state.PrivateKey = privateKey.IsZero ? null : Convert.FromHexString(privateKey.ExportHex());
            if (state.PublicKey is { } own)
            {
                state.Peers.RemoveAll(p => p.PublicKey == own);
            }
        }

        if (update.ListenPort is { } port)
        {
            if (PortsInUse.Contains(port))
            {
                throw new ConfigurationException(ConfigurationErrno.AddressInUse, $"port {port} is in use");
            }

            state.ListenPort = port;
        }

        if (update.FirewallMark is { } mark)
        {
            state.FirewallMark = mark;
        }

        if (update.ReplacePeers)
        {
            state.Peers.Clear();
        }

        foreach (PeerUpdate change in update.Peers)
        {
            if (state.PublicKey == change.PublicKey)
            {
                continue;
            }

            FakePeerState? peer = state.Peers.Find(p => p.PublicKey == change.PublicKey);
            if (change.Remove)
            {
                if (peer is not null)
                {
                    state.Peers.Remove(peer);
                }

                continue;
            }

            if (peer is null)
            {
                if (change.UpdateOnly)
                {
                    continue;
                }

                peer = new FakePeerState { PublicKey = change.PublicKey };
                state.Peers.Add(peer);
            }

            if (change.PresharedKey is { } psk)
            {
                peer.PresharedKey = psk.IsZero ? null : Convert.FromHexString(psk.ExportHex());
            }

            peer.Endpoint = change.Endpoint ?? peer.Endpoint;
            peer.PersistentKeepaliveInterval = change.PersistentKeepaliveInterval ?? peer.PersistentKeepaliveInterval;
            if (change.ReplaceAllowedIps)
            {
                peer.AllowedIps.Clear();
            }

            // A set beside the ordered list keeps 65,536-prefix updates linear.
            var owned = new HashSet<IPNetwork>(peer.AllowedIps);
            foreach (AllowedIpChange allowed in change.AllowedIpChanges)
            {
                if (allowed.Remove)
                {
                    if (owned.Remove(allowed.Network))
                    {
                        peer.AllowedIps.Remove(allowed.Network);
                    }

                    continue;
                }

                foreach (FakePeerState other in state.Peers)
                {
                    if (other != peer)
                    {
                        other.AllowedIps.Remove(allowed.Network);
                    }
                }

                if (owned.Add(allowed.Network))
                {
                    peer.AllowedIps.Add(allowed.Network);
                }
            }
        }
    }

    private void Enter()
    {
        if (Interlocked.Increment(ref _inside) > 1)
        {
            SawOverlap = true;
        }

        if (CallDuration > TimeSpan.Zero)
        {
            Thread.Sleep(CallDuration);
        }
    }

    private void Leave() => Interlocked.Decrement(ref _inside);
}

internal sealed class FakeState
{
    public byte[]? PrivateKey { get; set; }

    public ushort ListenPort { get; set; }

    public uint FirewallMark { get; set; }

    public List<FakePeerState> Peers { get; init; } = [];

    public PublicKey? PublicKey
    {
        get
        {
            if (PrivateKey is null)
            {
                return null;
            }

            using var key = WgSharp.Noise.Keys.PrivateKey.FromBytes(PrivateKey);
            return key.ComputePublicKey();
        }
    }

    public FakeState Clone() => new()
    {
        PrivateKey = PrivateKey,
        ListenPort = ListenPort,
        FirewallMark = FirewallMark,
        Peers = Peers.Select(p => p.Clone()).ToList(),
    };
}

internal sealed class FakePeerState
{
    public required PublicKey PublicKey { get; init; }

    public byte[]? PresharedKey { get; set; }

    public IPEndPoint? Endpoint { get; set; }

    public ushort PersistentKeepaliveInterval { get; set; }

    public List<IPNetwork> AllowedIps { get; init; } = [];

    public DateTimeOffset? LastHandshake { get; set; }

    public ulong TransmitBytes { get; set; }

    public ulong ReceiveBytes { get; set; }

    public FakePeerState Clone() => new()
    {
        PublicKey = PublicKey,
        PresharedKey = PresharedKey,
        Endpoint = Endpoint,
        PersistentKeepaliveInterval = PersistentKeepaliveInterval,
        AllowedIps = [.. AllowedIps],
        LastHandshake = LastHandshake,
        TransmitBytes = TransmitBytes,
        ReceiveBytes = ReceiveBytes,
    };
}

/// <summary>A DeviceUpdate copied into plain data (the real one is disposed after Apply).</summary>
internal sealed record ReceivedUpdate(
    string? PrivateKeyHex, ushort? ListenPort, uint? FirewallMark, bool ReplacePeers, List<ReceivedPeer> Peers)
{
    public static ReceivedUpdate From(DeviceUpdate update) => new(
        update.PrivateKey?.ExportHex(),
        update.ListenPort,
        update.FirewallMark,
        update.ReplacePeers,
        update.Peers.Select(p => new ReceivedPeer(
            p.PublicKey, p.Remove, p.UpdateOnly, p.PresharedKey?.ExportHex(), p.Endpoint, p.PersistentKeepaliveInterval,
            p.ReplaceAllowedIps, [.. p.AllowedIpChanges], p.ProtocolVersion)).ToList());

    /// <summary>Every field, lists included, as one comparable text.</summary>
    public string Describe() =>
        $"private={PrivateKeyHex} port={ListenPort} fwmark={FirewallMark} replace_peers={ReplacePeers}\n"
        + string.Join("\n", Peers.Select(p => p.Describe()));
}

internal sealed record ReceivedPeer(
    PublicKey PublicKey, bool Remove, bool UpdateOnly, string? PresharedKeyHex, IPEndPoint? Endpoint,
    ushort? PersistentKeepaliveInterval, bool ReplaceAllowedIps, List<AllowedIpChange> AllowedIpChanges, int? ProtocolVersion)
{
    public string Describe() =>
        $"{PublicKey} remove={Remove} update_only={UpdateOnly} psk={PresharedKeyHex} endpoint={Endpoint} "
        + $"keepalive={PersistentKeepaliveInterval} replace_ips={ReplaceAllowedIps} version={ProtocolVersion} "
        + $"ips={string.Join(",", AllowedIpChanges.Select(c => (c.Remove ? "-" : "") + c.Network))}";
}
