// One `[Forward]` section: TCP or UDP arriving from peers for an interface address and port is
// destination-NATed to a host and port on the local side; replies are translated back.
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Nat;

internal sealed record PortForward
{
    public PortForward(byte protocol, IpAddressKey address, ushort port, IpAddressKey targetAddress, ushort targetPort)
    {
        if (protocol is not (IpProtocol.Tcp or IpProtocol.Udp))
        {
            NatThrowHelper.ThrowArgument("A port forward is for TCP or UDP.", nameof(protocol));
        }
        if (address.Family == IpFamily.Unspecified || address.Family != targetAddress.Family)
        {
            NatThrowHelper.ThrowArgument("The interface address and the target must be of one IP version.", nameof(targetAddress));
        }
        if (port == 0 || targetPort == 0)
        {
            NatThrowHelper.ThrowArgument("Port 0 cannot be forwarded.", nameof(port));
        }
        Protocol = protocol;
        Address = address;
        Port = port;
        TargetAddress = targetAddress;
        TargetPort = targetPort;
    }

    public byte Protocol { get; }

    /// <summary>The interface address the forward listens on.</summary>
    public IpAddressKey Address { get; }

    public ushort Port { get; }

    public IpAddressKey TargetAddress { get; }

    public ushort TargetPort { get; }
}
