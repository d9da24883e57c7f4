// What the caller must do with a TunnelResult.
namespace WgSharp.Noise;

public enum TunnelOperation
{
    /// <summary>Nothing to send or deliver.</summary>
    Done = 0,
    /// <summary>Send <see cref="TunnelResult.Packet"/> to the peer's endpoint as one UDP datagram.</summary>
    WriteToNetwork,
    /// <summary>Deliver the decrypted IPv4 packet to the TUN device (after the AllowedIPs source check).</summary>
    WriteToTunnelV4,
    /// <summary>Deliver the decrypted IPv6 packet to the TUN device (after the AllowedIPs source check).</summary>
    WriteToTunnelV6,
    /// <summary>The input was refused; <see cref="TunnelResult.DropReason"/> says why. Already counted.</summary>
    Drop,
}
