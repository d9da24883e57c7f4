// Builds System.Net.IPNetwork values the way WireGuard stores allowed IPs: host bits masked off
// (wg and wireguard-go accept "10.0.0.1/24" and keep 10.0.0.0/24; IPNetwork's constructor throws).
using System.Net;
using System.Net.Sockets;

namespace WgSharp.Tun.Net;

public static class NetworkPrefix
{
    /// <summary>The network of <paramref name="address"/> with <paramref name="prefixLength"/> bits,
    /// host bits cleared and any IPv6 scope dropped.</summary>
    public static IPNetwork Canonical(IPAddress address, int prefixLength)
    {
        int maxBits = address.AddressFamily switch
        {
            AddressFamily.InterNetwork => 32,
            AddressFamily.InterNetworkV6 => 128,
            _ => throw new ArgumentException("Only IPv4 and IPv6 addresses have prefixes.", nameof(address)),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, maxBits);

        Span<byte> bytes = stackalloc byte[16];
        bytes = bytes[..(maxBits / 8)];
        address.TryWriteBytes(bytes, out _);
        int fullBytes = prefixLength / 8;
        if (fullBytes < bytes.Length)
        {
            bytes[fullBytes] &= (byte)(0xFF00 >> (prefixLength % 8));
            bytes[(fullBytes + 1)..].Clear();
        }

        return new IPNetwork(new IPAddress(bytes), prefixLength);
    }
}
