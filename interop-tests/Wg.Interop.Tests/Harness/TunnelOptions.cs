// Knobs of a two-peer test topology.
namespace WgSharp.Interop.Tests.Harness;

internal sealed record TunnelOptions
{
    public static TunnelOptions Default { get; } = new();

    public EndpointFamily EndpointFamily { get; init; } = EndpointFamily.V4;

    /// <summary>MTU of the WireGuard interfaces; 1420 is wg-quick's default for an IPv6 underlay.</summary>
    public int TunnelMtu { get; init; } = 1420;

    /// <summary>MTU of the veth link carrying the encrypted UDP.</summary>
    public int UnderlayMtu { get; init; } = 1500;

    public PresharedKeyMode PresharedKeys { get; init; } = PresharedKeyMode.None;
}
