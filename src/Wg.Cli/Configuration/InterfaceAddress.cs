// One Address of the [Interface]: the interface's own address plus the length of its on-link prefix.
// Unlike AllowedIPs the host bits are the point: 10.0.0.2/24 is address 10.0.0.2 on 10.0.0.0/24.
using System.Net;
using System.Net.Sockets;
using WgSharp.Cli.Uapi;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Configuration;

internal readonly record struct InterfaceAddress(IPAddress Address, int PrefixLength)
{
    public AddressFamily Family => Address.AddressFamily;

    /// <summary>"10.0.0.2/24", as `ip address add` takes it.</summary>
    public override string ToString() => $"{IpText.Format(Address)}/{PrefixLength}";
}
