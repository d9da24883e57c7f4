// An address/length pair as wg prints allowed IPs; compared by value so read-back sets can be checked
// exactly regardless of how each tool spells an IPv6 address.
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace WgSharp.Interop.Tests.Harness;

internal readonly record struct IpPrefix(IPAddress Address, int Length)
{
    public bool IsV6 => Address.AddressFamily == AddressFamily.InterNetworkV6;

    public static IpPrefix Parse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            throw new FormatException($"not a prefix: {text}");
        }

        var address = IPAddress.Parse(text.AsSpan(0, slash));
        var length = int.Parse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture);
        var max = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        return length <= max ? new IpPrefix(address, length) : throw new FormatException($"prefix length out of range: {text}");
    }

    /// <summary>The same prefix with the host bits cleared (what WireGuard stores).</summary>
    public IpPrefix Masked()
    {
        var bytes = Address.GetAddressBytes();
        for (var bit = Length; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IpPrefix(new IPAddress(bytes), Length);
    }

    public override string ToString() => $"{Address}/{Length.ToString(CultureInfo.InvariantCulture)}";
}
