// The record a device keeps for a peer, attached to the peer's Tunnel so that the engine's lookups by
// receiver index hand it back without a second table.
namespace WgSharp.Noise;

/// <summary>
/// Implemented by whatever a device attaches to a <see cref="Tunnel"/> (its peer record). A marker: the engine never
/// calls it; it types <see cref="Tunnel.Owner"/> so that only a device's peer record can be attached there.
/// </summary>
public interface ITunnelOwner;
