// Why the device (not the engine) dropped a packet; counted per device and shown by `wgsharp show`.
namespace WgSharp.Router.Device;

public enum DeviceDrop
{
    /// <summary>A TUN packet that is not IPv4/IPv6 or whose header is cut short.</summary>
    InvalidPacket,
    /// <summary>No peer's AllowedIPs cover the destination (answered with ICMP unreachable).</summary>
    NoRoute,
    /// <summary>The peer has no endpoint yet, so nothing can be sent to it.</summary>
    NoEndpoint,
    /// <summary>A decrypted packet whose source address is outside the sending peer's AllowedIPs.</summary>
    SourceNotAllowed,
    /// <summary>The handshake queue was full (a flood): the message was not processed.</summary>
    HandshakeQueueFull,
    /// <summary>The kernel refused to send a datagram.</summary>
    SendFailed,
    /// <summary>A datagram of an unknown type, or too short to be one.</summary>
    UnknownDatagram,
    /// <summary>A rule with Action = drop matched.</summary>
    PolicyDrop,
    /// <summary>A rule with Action = reject matched (answered with ICMP administratively prohibited).</summary>
    PolicyReject,
    /// <summary>Conntrack/NAT refused the packet (its reason is counted by the NAT stage too).</summary>
    NatDrop,
    /// <summary>A masquerade rule matched a packet of a family the interface has no address of.</summary>
    NoMasqueradeAddress,
}
