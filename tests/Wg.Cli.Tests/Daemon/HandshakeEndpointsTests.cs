// HandshakeEndpoints: in split-route mode only configured endpoints and addresses a handshake completed from
// get a host route outside the tunnel, a few per peer; an address a peer merely sent data from never does.
using System.Net;
using WgSharp.Cli.Host;
using WgSharp.Cli.Tests.Support;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Tests.Daemon;

public sealed class HandshakeEndpointsTests
{
    private static readonly TimeSpan Start = TimeSpan.FromMinutes(1);

    private static PeerSnapshot Peer(int key, string? endpoint = null, string? configured = null, string? handshake = null,
        bool completed = false, long sequence = 0) => new()
        {
            PublicKey = TestKeys.Public(key),
            Endpoint = endpoint is null ? null : IPEndPoint.Parse(endpoint),
            ConfiguredEndpoint = configured is null ? null : IPEndPoint.Parse(configured),
            HandshakeSource = handshake is null ? null : IPEndPoint.Parse(handshake),
            HandshakeSourceCompleted = completed,
            HandshakeSequence = sequence,
        };

    private static IPAddress[] Addresses(params string[] addresses) => [.. addresses.Select(IPAddress.Parse)];

    [Fact]
    public void An_address_a_peer_only_sent_data_from_gets_no_route()
    {
        var trusted = new HandshakeEndpoints();
        // The peer's current endpoint moved to 198.51.100.66 (an authenticated data packet, maybe raced from a
        // spoofed source); its handshakes completed from 203.0.113.1 only.
        IReadOnlyList<IPAddress> routed = trusted.Update(
            [Peer(1, endpoint: "198.51.100.66:51820", configured: "203.0.113.1:51820", handshake: "203.0.113.1:51820", completed: true, sequence: 1)],
            Start);
        Assert.Equal(Addresses("203.0.113.1"), routed);
    }

    [Fact]
    public void A_completed_handshake_from_a_new_address_routes_it_and_the_oldest_beyond_the_cap_goes()
    {
        var trusted = new HandshakeEndpoints();
        IReadOnlyList<IPAddress> routed = [];
        for (int i = 1; i <= HandshakeEndpoints.MaxPerPeer + 2; i++)
        {
            routed = trusted.Update([Peer(1, endpoint: $"203.0.113.{i}:51820", handshake: $"203.0.113.{i}:51820", completed: true, sequence: i)],
                Start + TimeSpan.FromSeconds(i));
        }

        // The last MaxPerPeer (3) addresses, most recent first; the configured endpoint (none here) would add one.
        Assert.Equal(Addresses("203.0.113.5", "203.0.113.4", "203.0.113.3"), routed);

        // Coming back to a remembered address moves it to the front rather than adding it twice.
        routed = trusted.Update([Peer(1, handshake: "[::ffff:203.0.113.3]:51820", completed: true, sequence: 9)], Start);
        Assert.Equal(Addresses("203.0.113.3", "203.0.113.5", "203.0.113.4"), routed);
    }

    [Fact]
    public void An_unconfirmed_initiation_is_routed_for_the_grace_only_and_once()
    {
        var trusted = new HandshakeEndpoints();
        PeerSnapshot pending = Peer(1, configured: "203.0.113.1:51820", handshake: "198.51.100.7:40000", sequence: 4);
        Assert.Equal(Addresses("203.0.113.1", "198.51.100.7"), trusted.Update([pending], Start));
        Assert.Equal(Addresses("203.0.113.1", "198.51.100.7"), trusted.Update([pending], Start + HandshakeEndpoints.PendingGrace - TimeSpan.FromSeconds(1)));

        // Not confirmed in time: the address goes, and the same message never brings it back.
        Assert.Equal(Addresses("203.0.113.1"), trusted.Update([pending], Start + HandshakeEndpoints.PendingGrace));
        Assert.Equal(Addresses("203.0.113.1"), trusted.Update([pending], Start + (2 * HandshakeEndpoints.PendingGrace)));

        // Confirmed (the peer used the session): it stays.
        var confirmed = Peer(1, configured: "203.0.113.1:51820", handshake: "198.51.100.7:40000", completed: true, sequence: 4);
        TimeSpan later = Start + TimeSpan.FromMinutes(10);
        Assert.Equal(Addresses("203.0.113.1", "198.51.100.7"), trusted.Update([confirmed], later));
        Assert.Equal(Addresses("203.0.113.1", "198.51.100.7"), trusted.Update([confirmed], later + TimeSpan.FromHours(1)));
    }

    [Fact]
    public void Only_one_pending_address_per_peer_and_a_removed_peer_is_forgotten()
    {
        var trusted = new HandshakeEndpoints();
        trusted.Update([Peer(1, handshake: "198.51.100.1:1", sequence: 1)], Start);
        IReadOnlyList<IPAddress> routed = trusted.Update([Peer(1, handshake: "198.51.100.2:1", sequence: 2)], Start);
        Assert.Equal(Addresses("198.51.100.2"), routed);

        trusted.Update([Peer(2, handshake: "198.51.100.9:1", completed: true, sequence: 3)], Start);
        // Peer 2 was removed and comes back: what it completed before is not remembered.
        Assert.Empty(trusted.Update([], Start));
        Assert.Empty(trusted.Update([Peer(2)], Start));
    }
}
