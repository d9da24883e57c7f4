// A veth pair joining two namespaces, each end addressed in IPv4 and IPv6 (documentation ranges by
// default: RFC 5737 192.0.2.0/24, RFC 3849 2001:db8::/32), created directly inside the namespaces so
// nothing is ever left in the root namespace. Deleted with either namespace.
namespace WgSharp.Interop.Tests.Harness;

internal sealed record VethPair(VethEnd A, VethEnd B)
{
    public static async Task<VethPair> ConnectAsync(
        NetworkNamespace a,
        NetworkNamespace b,
        int mtu = 1500,
        string aV4 = "192.0.2.1/24",
        string bV4 = "192.0.2.2/24",
        string aV6 = "2001:db8:1::1/64",
        string bV6 = "2001:db8:1::2/64")
    {
        var nameA = ResourceNames.Next('v');
        var nameB = ResourceNames.Next('v');
        await ProcessRunner.RunCheckedAsync(
            ["ip", "link", "add", "name", nameA, "netns", a.Name, "type", "veth", "peer", "name", nameB, "netns", b.Name])
            .ConfigureAwait(false);
        var endA = new VethEnd(a, nameA, aV4, aV6);
        var endB = new VethEnd(b, nameB, bV4, bV6);
        foreach (var end in new[] { endA, endB })
        {
            await end.Namespace.AddAddressAsync(end.Name, end.V4Cidr).ConfigureAwait(false);
            await end.Namespace.AddAddressAsync(end.Name, end.V6Cidr).ConfigureAwait(false);
            await end.Namespace.SetLinkUpAsync(end.Name, mtu).ConfigureAwait(false);
        }

        return new VethPair(endA, endB);
    }
}
