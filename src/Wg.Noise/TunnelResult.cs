// The result of every engine call: an operation and, for writes, a span into the caller's buffer.
namespace WgSharp.Noise;

public readonly ref struct TunnelResult
{
    private TunnelResult(TunnelOperation operation, Span<byte> packet, DropReason reason)
    {
        Operation = operation;
        Packet = packet;
        DropReason = reason;
    }

    public TunnelOperation Operation { get; }

    /// <summary>The datagram or decrypted packet, inside the destination buffer the caller passed.</summary>
    public Span<byte> Packet { get; }

    public DropReason DropReason { get; }

    public static TunnelResult Done => default;

    public static TunnelResult WriteToNetwork(Span<byte> datagram) => new(TunnelOperation.WriteToNetwork, datagram, DropReason.None);

    public static TunnelResult WriteToTunnel(Span<byte> packet, bool isIPv6) =>
        new(isIPv6 ? TunnelOperation.WriteToTunnelV6 : TunnelOperation.WriteToTunnelV4, packet, DropReason.None);

    public static TunnelResult Drop(DropReason reason) => new(TunnelOperation.Drop, default, reason);

    public override string ToString() =>
        Operation == TunnelOperation.Drop ? $"Drop({DropReason})" : $"{Operation}({Packet.Length} bytes)";
}
