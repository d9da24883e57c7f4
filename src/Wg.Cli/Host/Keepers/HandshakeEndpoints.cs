// Which endpoint addresses deserve a host route outside the tunnel in split-route mode. Not simply where each
// peer's latest packet came from: an authenticated data packet can be raced from a spoofed source by anyone on
// the path, and a host route to the address it names sends that address's traffic outside the tunnel. An
// address is routed when configuration named it, or when a handshake completed from it (a response to our
// initiation came from there, or the peer used the session its initiation from there set up) — at most
// MaxPerPeer such addresses per peer, the oldest forgotten first. An initiation not yet confirmed needs a
// route too (our response must reach it, or it can never complete), so its address is routed for PendingGrace
// after the message, and for one address per peer at a time.
using System.Net;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Host;

internal sealed class HandshakeEndpoints
{
    /// <summary>How many addresses a handshake completed from are remembered (and routed) per peer.</summary>
    public const int MaxPerPeer = 3;

    /// <summary>How long the address of an unconfirmed initiation is routed: a few of the initiator's
    /// REKEY_TIMEOUT (5 s) retransmissions, after which it has given up on that handshake.</summary>
    public static readonly TimeSpan PendingGrace = TimeSpan.FromSeconds(15);

    private readonly Dictionary<PublicKey, PeerState> _peers = [];

    /// <summary>
    /// Takes in the peers' latest handshake sources and returns the addresses to route now: configured endpoints,
    /// the addresses handshakes completed from, and pending initiations' addresses within their grace.
    /// IPv4-mapped IPv6 addresses come back as IPv4.
    /// </summary>
    public IReadOnlyList<IPAddress> Update(IReadOnlyList<PeerSnapshot> peers, TimeSpan now)
    {
        var wanted = new List<IPAddress>();
        var present = new HashSet<PublicKey>();
        foreach (PeerSnapshot peer in peers)
        {
            present.Add(peer.PublicKey);
            if (!_peers.TryGetValue(peer.PublicKey, out PeerState? state))
            {
                state = new PeerState();
                _peers.Add(peer.PublicKey, state);
            }

            if (peer.HandshakeSource is { } source)
            {
                IPAddress address = Normalize(source.Address);
                if (peer.HandshakeSourceCompleted)
                {
                    state.Completed.Remove(address);
                    state.Completed.Insert(0, address);
                    if (state.Completed.Count > MaxPerPeer)
                    {
                        state.Completed.RemoveRange(MaxPerPeer, state.Completed.Count - MaxPerPeer);
                    }

                    state.Pending = null;
                }
                else if (state.Pending?.Sequence != peer.HandshakeSequence && state.LastSequence != peer.HandshakeSequence)
                {
                    state.Pending = new Pending(address, peer.HandshakeSequence, now);
                }

                state.LastSequence = peer.HandshakeSequence;
            }

            if (peer.ConfiguredEndpoint is { } configured)
            {
                wanted.Add(Normalize(configured.Address));
            }

            wanted.AddRange(state.Completed);
            if (state.Pending is { } pending && now - pending.Since < PendingGrace)
            {
                wanted.Add(pending.Address);
            }
        }

        foreach (PublicKey gone in _peers.Keys.Where(k => !present.Contains(k)).ToList())
        {
            _peers.Remove(gone);
        }

        return [.. wanted.Distinct()];
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private sealed record Pending(IPAddress Address, long Sequence, TimeSpan Since);

    private sealed class PeerState
    {
        // Most recent first.
        public List<IPAddress> Completed { get; } = [];

        public Pending? Pending { get; set; }

        // The sequence of the handshake message seen last, so a pending initiation is taken once, not again after its
        // grace ran out.
        public long LastSequence { get; set; }
    }
}
