// One end of a veth pair: the namespace it lives in, its interface name and its current addresses.
using System.Net;

namespace WgSharp.Interop.Tests.Harness;

internal sealed class VethEnd(NetworkNamespace ns, string name, string v4Cidr, string v6Cidr)
{
    public NetworkNamespace Namespace { get; } = ns;

    public string Name { get; } = name;

    public string V4Cidr { get; private set; } = v4Cidr;

    public string V6Cidr { get; private set; } = v6Cidr;

    public IPAddress V4 => IPAddress.Parse(V4Cidr.Split('/')[0]);

    public IPAddress V6 => IPAddress.Parse(V6Cidr.Split('/')[0]);

    /// <summary>Replaces the IPv4 address (a host "roaming" to a new address on the same link).</summary>
    public async Task ChangeV4Async(string newCidr)
    {
        await Namespace.RemoveAddressAsync(Name, V4Cidr).ConfigureAwait(false);
        await Namespace.AddAddressAsync(Name, newCidr).ConfigureAwait(false);
        V4Cidr = newCidr;
    }

    /// <summary>Replaces the IPv6 address.</summary>
    public async Task ChangeV6Async(string newCidr)
    {
        await Namespace.RemoveAddressAsync(Name, V6Cidr).ConfigureAwait(false);
        await Namespace.AddAddressAsync(Name, newCidr).ConfigureAwait(false);
        V6Cidr = newCidr;
    }
}
