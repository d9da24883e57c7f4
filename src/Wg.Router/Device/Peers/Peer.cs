// A peer as the device knows it: its engine tunnel, where to send to (the configured endpoint, then
// wherever its authenticated packets last came from), and the settings `wg show` reports back.
using WgSharp.Noise;
using WgSharp.Noise.Keys;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

internal sealed class Peer : ITunnelOwner, IDisposable
{
    // Replaced whole (never mutated) so the data path reads it without a lock; a new holder is
    // allocated only when the endpoint actually changes.
    private volatile EndpointHolder? _endpoint;

    // The endpoint last set by configuration (UAPI `endpoint=`), null when none was. Replaced whole.
    private volatile EndpointHolder? _configuredEndpoint;

    // Where the latest authenticated handshake message came from (handshake thread writes, replaced whole).
    private volatile HandshakeSource? _handshakeSource;

    // Timestamp (device TimeProvider) of the latest authenticated message from the peer; 0: none yet.
    private long _lastReceived;

    public Peer(Tunnel tunnel, int tag = 0)
    {
        Tunnel = tunnel;
        Tag = tag;
        tunnel.Owner = this;
    }

    public Tunnel Tunnel { get; }

    /// <summary>A small number that names this peer object in the conntrack table; never reused by the device.</summary>
    public int Tag { get; }

    /// <summary>The router configuration's Name for this peer (null: none). Set under the device's configuration lock.</summary>
    public string? Name { get; set; }

    /// <summary>`Inbound = established`. Set under the configuration lock, read by the data path.</summary>
    public volatile bool InboundEstablishedOnly;

    /// <summary>`Routes = when-up`. Set under the configuration lock, read by the timer thread.</summary>
    public volatile bool RoutesWhenUp;

    /// <summary>
    /// Whether the data path may send to this peer: always for `Routes = always`; for `Routes = when-up`, while it
    /// has a live session (the timer thread decides, see PeerLiveness).
    /// </summary>
    public volatile bool IsDestination = true;

    /// <summary>
    /// The rate limit of ICMP errors this device sends to the peer (a reject rule's answers), created on first use by
    /// the device; each peer has its own so that one peer's flood cannot use up the others' answers.
    /// </summary>
    public TokenBucket? IcmpLimiter;

    /// <summary>The live-session state last reported for a when-up peer (timer thread only).</summary>
    public bool ReportedLive { get; set; }

    /// <summary>Records that an authenticated message (transport data, keepalive or handshake) arrived now.</summary>
    public void MarkReceived(long timestamp) => Volatile.Write(ref _lastReceived, timestamp);

    /// <summary>The timestamp of the latest authenticated message, or 0.</summary>
    public long LastReceived => Volatile.Read(ref _lastReceived);

    public PublicKey PublicKey => Tunnel.PublicKey;

    /// <summary>A copy of the preshared key for `get` (the engine keeps its own). Guarded by the device's configuration lock.</summary>
    public PresharedKey? PresharedKey { get; private set; }

    public ushort PersistentKeepaliveSeconds { get; private set; }

    public bool TryGetEndpoint(out UdpEndpoint endpoint)
    {
        EndpointHolder? holder = _endpoint;
        endpoint = holder?.Value ?? default;
        return holder is not null;
    }

    public void SetEndpoint(UdpEndpoint endpoint)
    {
        var holder = new EndpointHolder(endpoint);
        _endpoint = holder;
        _configuredEndpoint = holder;
    }

    /// <summary>The endpoint configuration set last (not one learned from packets); false when none was.</summary>
    public bool TryGetConfiguredEndpoint(out UdpEndpoint endpoint)
    {
        EndpointHolder? holder = _configuredEndpoint;
        endpoint = holder?.Value ?? default;
        return holder is not null;
    }

    /// <summary>
    /// Records the source of an authenticated handshake message (handshake thread only). A response completes
    /// our handshake there; an initiation is complete only once the peer uses the session it set up, which
    /// <see cref="TryGetHandshakeSource"/> tells from the engine's latest-handshake time moving on.
    /// </summary>
    public void NoteHandshakeFrom(in UdpEndpoint source, bool isResponse) =>
        _handshakeSource = new HandshakeSource(source, isResponse, LastHandshakeTicks(), Interlocked.Increment(ref s_handshakeSequence));

    /// <summary>
    /// The source of the latest authenticated handshake message: <paramref name="completed"/> when the handshake
    /// begun there completed (a response from there, or an initiation from there whose session the peer then used);
    /// <paramref name="sequence"/> tells one message from the next. False when none arrived yet.
    /// </summary>
    public bool TryGetHandshakeSource(out UdpEndpoint source, out bool completed, out long sequence)
    {
        HandshakeSource? noted = _handshakeSource;
        source = noted?.Source ?? default;
        // The engine records a handshake as complete only when the responder's session is used (whitepaper §6.1's
        // key confirmation), and only this thread of messages starts one, so a later time means this one completed.
        completed = noted is not null && (noted.IsResponse || LastHandshakeTicks() != noted.LastHandshakeTicksWhenNoted);
        sequence = noted?.Sequence ?? 0;
        return noted is not null;
    }

    private long LastHandshakeTicks() => Tunnel.LastHandshake?.UtcTicks ?? 0;

    /// <summary>
    /// Roaming (whitepaper §2.1): the endpoint follows the latest authenticated packet, including the
    /// local address it arrived on (the sticky source for replies).
    /// </summary>
    public void UpdateEndpointFromPacket(in UdpEndpoint source)
    {
        EndpointHolder? current = _endpoint;
        if (current is null || !current.Value.Equals(source) || !SameSource(current.Value, source))
        {
            _endpoint = new EndpointHolder(source);
        }
    }

    /// <summary>Forgets the local address replies leave from (the kernel picks one again); the remote endpoint stays.</summary>
    public void ResetEndpointSource()
    {
        EndpointHolder? current = _endpoint;
        if (current is not null && current.Value.HasSource)
        {
            _endpoint = new EndpointHolder(current.Value.WithoutSource());
        }
    }

    public void SetPresharedKey(PresharedKey? key)
    {
        PresharedKey?.Dispose();
        PresharedKey = key is null || key.IsZero ? null : key.Clone();
        Tunnel.SetPresharedKey(PresharedKey);
    }

    public void SetPersistentKeepalive(ushort seconds)
    {
        PersistentKeepaliveSeconds = seconds;
        Tunnel.PersistentKeepalive = TimeSpan.FromSeconds(seconds);
    }

    public void Dispose()
    {
        PresharedKey?.Dispose();
        PresharedKey = null;
    }

    public override string ToString() => "peer(" + PublicKey.ToBase64()[..4] + "…" + PublicKey.ToBase64()[^5..^1] + ")";

    private static bool SameSource(in UdpEndpoint a, in UdpEndpoint b)
    {
        if (a.HasSource != b.HasSource || a.SourceInterfaceIndex != b.SourceInterfaceIndex)
        {
            return false;
        }

        Span<byte> first = stackalloc byte[16];
        Span<byte> second = stackalloc byte[16];
        int length = a.CopySourceAddressTo(first);
        return length == b.CopySourceAddressTo(second) && first[..length].SequenceEqual(second[..length]);
    }

    private static long s_handshakeSequence;

    private sealed record HandshakeSource(UdpEndpoint Source, bool IsResponse, long LastHandshakeTicksWhenNoted, long Sequence);

    private sealed class EndpointHolder(UdpEndpoint value)
    {
        public readonly UdpEndpoint Value = value;
    }
}
