// The device's peers: by public key (the control plane, under the device's configuration lock), as a
// volatile list the timer thread and status reads walk without locking, by conntrack tag, and by
// AllowedIPs (cryptokey routing, whitepaper §2: the destination picks the peer outbound, and the
// source must belong to the sending peer inbound).
using System.Diagnostics.CodeAnalysis;
using WgSharp.Noise;
using WgSharp.Noise.Keys;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Device;

internal sealed class PeerTable
{
    /// <summary>Whether the data path may send to a peer now (false for a `Routes = when-up` peer that is not live).</summary>
    public static readonly Func<Peer, bool> CanReceive = static peer => peer.IsDestination;

    // Guarded by the device's configuration lock.
    private readonly Dictionary<PublicKey, Peer> _byKey = [];
    private int _nextTag;

    // The trie is safe for lookups while one writer (under the configuration lock) changes it.
    private readonly IpPrefixTrie<Peer> _allowedIps = new();

    // Rebuilt by Publish after every change; read without locking.
    private volatile Peer[] _list = [];

    /// <summary>Every peer as of the last <see cref="Publish"/>; safe to read on any thread.</summary>
    public Peer[] List => _list;

    /// <summary>Every peer. Caller holds the configuration lock.</summary>
    public IReadOnlyCollection<Peer> All => _byKey.Values;

    /// <summary>Caller holds the configuration lock.</summary>
    public bool TryGet(PublicKey key, [NotNullWhen(true)] out Peer? peer) => _byKey.TryGetValue(key, out peer);

    /// <summary>Adds a peer for <paramref name="tunnel"/> with a tag never used before. Caller holds the configuration lock.</summary>
    public Peer Add(Tunnel tunnel)
    {
        var peer = new Peer(tunnel, ++_nextTag);
        _byKey.Add(peer.PublicKey, peer);
        return peer;
    }

    /// <summary>Forgets a peer and its AllowedIPs (the caller disposes it). Caller holds the configuration lock.</summary>
    public void Remove(Peer peer)
    {
        _byKey.Remove(peer.PublicKey);
        _allowedIps.RemoveByValue(peer);
    }

    /// <summary>Makes the current peers the ones <see cref="List"/> returns. Caller holds the configuration lock.</summary>
    public void Publish() => _list = [.. _byKey.Values];

    /// <summary>Disposes and forgets every peer (the device is closing). Caller holds the configuration lock.</summary>
    public void Clear()
    {
        foreach (Peer peer in _byKey.Values)
        {
            peer.Dispose();
        }

        _byKey.Clear();
    }

    /// <summary>The peers by conntrack tag, for a compiled router state. Caller holds the configuration lock.</summary>
    public Dictionary<int, Peer> ByTag() => _byKey.Values.ToDictionary(p => p.Tag);

    public void AddAllowedIp(IpPrefix prefix, Peer peer) => _allowedIps.Insert(prefix, peer);

    public void RemoveAllowedIp(IpPrefix prefix, Peer peer) => _allowedIps.RemoveByValue(peer, prefix);

    public void ClearAllowedIps(Peer peer) => _allowedIps.RemoveByValue(peer);

    public IpPrefix[] AllowedIpsOf(Peer peer) => _allowedIps.GetPrefixes(peer);

    /// <summary>The peer whose AllowedIPs hold <paramref name="destination"/> (plain cryptokey routing).</summary>
    public bool TryLookup(ReadOnlySpan<byte> destination, [NotNullWhen(true)] out Peer? peer) => _allowedIps.TryLookup(destination, out peer);

    /// <summary>
    /// The peer whose AllowedIPs hold <paramref name="destination"/>; with <paramref name="anyWhenUp"/>, skipping
    /// `Routes = when-up` peers that cannot receive now, so the lookup falls through to a less specific prefix.
    /// </summary>
    public bool TryLookupDestination(IpAddressKey destination, bool anyWhenUp, [NotNullWhen(true)] out Peer? peer) =>
        anyWhenUp ? _allowedIps.TryLookup(destination, CanReceive, out peer) : _allowedIps.TryLookup(destination, out peer);

    /// <summary>
    /// The inbound source check: whether <paramref name="source"/> belongs to <paramref name="peer"/>'s AllowedIPs.
    /// With `Routes = when-up` peers (<paramref name="anyWhenUp"/>, the slow path, only after the plain lookup named
    /// another peer): while a more specific when-up peer is down, the peer traffic fails over to must also be allowed
    /// to answer from those addresses, so the check uses the same eligible-owner lookup as routing does.
    /// </summary>
    public bool IsAllowedSource(ReadOnlySpan<byte> source, Peer peer, bool anyWhenUp) =>
        (_allowedIps.TryLookup(source, out Peer? owner) && owner == peer) ||
        (anyWhenUp && IpAddressKey.TryCreate(source, out IpAddressKey key) && _allowedIps.TryLookup(key, CanReceive, out owner) && owner == peer);
}
