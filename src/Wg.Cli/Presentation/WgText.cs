// Addresses, endpoints and numbers written exactly as `wg` writes them: glibc's inet_ntop (which,
// unlike RFC 5952 and Go's netip, writes ::a.b.c.d for addresses in ::/96), getnameinfo's numeric
// endpoints with an IPv6 zone by interface name, and printf's "%.2f".
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;

namespace WgSharp.Cli.Presentation;

internal static class WgText
{
    /// <summary>inet_ntop(3) as glibc implements it.</summary>
    public static string Address(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int length);
        var text = new StringBuilder(46);
        if (length == 4)
        {
            AppendIPv4(text, bytes[..4]);
            return text.ToString();
        }

        Span<int> words = stackalloc int[8];
        for (int i = 0; i < 8; i++)
        {
            words[i] = (bytes[2 * i] << 8) | bytes[(2 * i) + 1];
        }

        // The first longest run of at least two zero words becomes "::".
        int bestBase = -1, bestLength = 0;
        for (int i = 0; i < 8;)
        {
            if (words[i] != 0)
            {
                i++;
                continue;
            }

            int start = i;
            while (i < 8 && words[i] == 0)
            {
                i++;
            }

            if (i - start > bestLength)
            {
                bestBase = start;
                bestLength = i - start;
            }
        }

        if (bestLength < 2)
        {
            bestBase = -1;
        }

        for (int i = 0; i < 8; i++)
        {
            if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLength)
            {
                if (i == bestBase)
                {
                    text.Append(':');
                }

                continue;
            }

            if (i != 0)
            {
                text.Append(':');
            }

            // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) addresses end in a dotted quad.
            if (i == 6 && bestBase == 0 && (bestLength == 6 || (bestLength == 5 && words[5] == 0xFFFF)))
            {
                AppendIPv4(text, bytes[12..16]);
                return text.ToString();
            }

            text.Append(words[i].ToString("x", CultureInfo.InvariantCulture));
        }

        if (bestBase >= 0 && bestBase + bestLength == 8)
        {
            text.Append(':');
        }

        return text.ToString();
    }

    /// <summary>"address/bits".</summary>
    public static string Prefix(IPNetwork network) =>
        string.Create(CultureInfo.InvariantCulture, $"{Address(network.BaseAddress)}/{network.PrefixLength}");

    /// <summary>
    /// getnameinfo(3) with NI_NUMERICHOST | NI_NUMERICSERV, bracketed for IPv6: "192.0.2.1:51820",
    /// "[2001:db8::1]:51820", "[fe80::1%eth0]:51820" (a link-local zone by interface name when the index
    /// names one here, as glibc does; otherwise by number).
    /// </summary>
    public static string Endpoint(IPEndPoint endpoint)
    {
        IPAddress address = endpoint.Address;
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{Address(address)}:{endpoint.Port}");
        }

        string host = Address(address);
        if (address.ScopeId != 0)
        {
            bool linkLocal = address.IsIPv6LinkLocal || (address.IsIPv6Multicast && (address.GetAddressBytes()[1] & 0x0F) == 2);
            host += "%" + ((linkLocal ? InterfaceName(address.ScopeId) : null) ?? address.ScopeId.ToString(CultureInfo.InvariantCulture));
        }

        return string.Create(CultureInfo.InvariantCulture, $"[{host}]:{endpoint.Port}");
    }

    /// <summary>printf("%.2f", value): .NET's "F2" also rounds the exact binary value, ties to even
    /// (1152 bytes are 1.125 KiB: "1.12"), which WgTextTests pins down.</summary>
    public static string FixedTwoDecimals(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>A byte count as wg's show prints it: "123" B, or two decimals of KiB, MiB, GiB or TiB.</summary>
    public static (string Number, string Unit) Bytes(ulong bytes) => bytes switch
    {
        < 1024UL => (bytes.ToString(CultureInfo.InvariantCulture), "B"),
        < 1024UL * 1024 => (FixedTwoDecimals((double)bytes / 1024), "KiB"),
        < 1024UL * 1024 * 1024 => (FixedTwoDecimals((double)bytes / (1024 * 1024)), "MiB"),
        < 1024UL * 1024 * 1024 * 1024 => (FixedTwoDecimals((double)bytes / (1024 * 1024 * 1024)), "GiB"),
        _ => (FixedTwoDecimals((double)bytes / (1024 * 1024 * 1024) / 1024), "TiB"),
    };

    private static void AppendIPv4(StringBuilder text, ReadOnlySpan<byte> bytes) =>
        text.Append(bytes[0]).Append('.').Append(bytes[1]).Append('.').Append(bytes[2]).Append('.').Append(bytes[3]);

    // if_indextoname(3), through .NET's interface list (in this process's network namespace).
    private static string? InterfaceName(long index)
    {
        try
        {
            foreach (NetworkInterface candidate in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (candidate.Supports(NetworkInterfaceComponent.IPv6) && candidate.GetIPProperties().GetIPv6Properties().Index == index)
                {
                    return candidate.Name;
                }
            }
        }
        catch (NetworkInformationException)
        {
            // No interface list: the number it is.
        }

        return null;
    }
}
