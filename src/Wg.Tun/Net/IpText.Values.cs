// IpText's IPAddress, IPNetwork and IPEndPoint forms (the control plane's): the span grammar of IpText.cs with
// zones resolved to interface indexes, prefixes made canonical, and endpoints bracketed as netip writes them.
using System.Net;
using System.Net.Sockets;
using WgSharp.Tun.Interop;

namespace WgSharp.Tun.Net;

public static partial class IpText
{
    // An address with "%scope" (up to 20 digits), in brackets, with ":65535" or "/128".
    private const int MaxFormattedLength = MaxLength + 1 + 20 + 2 + 6;

    /// <summary>An IPv4 or IPv6 address; an IPv6 zone ("%eth0" or "%2") only when <paramref name="allowZone"/>.</summary>
    public static bool TryParseAddress(ReadOnlySpan<char> text, bool allowZone, out IPAddress address)
    {
        address = IPAddress.None;
        Span<byte> bytes = stackalloc byte[16];
        if (!TryParse(text, bytes, out bool isIPv6, out ReadOnlySpan<char> zone))
        {
            return false;
        }

        long scopeId = 0;
        if (!zone.IsEmpty && (!allowZone || !TryParseZone(zone, out scopeId)))
        {
            return false;
        }

        address = isIPv6 ? new IPAddress(bytes, scopeId) : new IPAddress(bytes[..4]);
        return true;
    }

    /// <summary>"address/bits" as netip.ParsePrefix accepts it, with host bits then cleared.</summary>
    public static bool TryParsePrefix(ReadOnlySpan<char> text, out IPNetwork network)
    {
        network = default;
        int slash = text.LastIndexOf('/');
        if (slash < 0 || !TryParseAddress(text[..slash], allowZone: false, out IPAddress address)
            || !TryParsePrefixLength(text[(slash + 1)..], address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128, out int bits))
        {
            return false;
        }

        network = NetworkPrefix.Canonical(address, bits);
        return true;
    }

    /// <summary>A prefix length as netip.ParsePrefix takes it: decimal digits only, no sign, no leading zero, at most
    /// <paramref name="maxBits"/>.</summary>
    public static bool TryParsePrefixLength(ReadOnlySpan<char> text, int maxBits, out int bits)
    {
        bits = 0;
        if (text.IsEmpty || text.Length > 3 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            bits = (bits * 10) + (c - '0');
        }

        return bits <= maxBits;
    }

    /// <summary>"a.b.c.d:port" or "[ipv6%zone]:port" (netip.ParseAddrPort).</summary>
    public static bool TryParseEndpoint(ReadOnlySpan<char> text, out IPEndPoint endpoint)
    {
        endpoint = null!;
        int colon = text.LastIndexOf(':');
        if (colon < 0 || !DecimalText.TryParse(text[(colon + 1)..], ushort.MaxValue, out ulong port))
        {
            return false;
        }

        ReadOnlySpan<char> host = text[..colon];
        bool bracketed = host.Length >= 2 && host[0] == '[' && host[^1] == ']';
        if (bracketed)
        {
            host = host[1..^1];
        }

        if (!TryParseAddress(host, allowZone: true, out IPAddress address)
            || bracketed != (address.AddressFamily == AddressFamily.InterNetworkV6))
        {
            return false;
        }

        endpoint = new IPEndPoint(address, (int)port);
        return true;
    }

    public static string Format(IPAddress address)
    {
        Span<char> text = stackalloc char[MaxFormattedLength];
        return text[..Append(address, text)].ToString();
    }

    public static string Format(IPNetwork network)
    {
        Span<char> text = stackalloc char[MaxFormattedLength];
        int written = Append(network.BaseAddress, text);
        text[written++] = '/';
        network.PrefixLength.TryFormat(text[written..], out int n);
        return text[..(written + n)].ToString();
    }

    public static string Format(IPEndPoint endpoint)
    {
        Span<char> text = stackalloc char[MaxFormattedLength];
        bool v6 = endpoint.AddressFamily == AddressFamily.InterNetworkV6;
        int written = 0;
        if (v6)
        {
            text[written++] = '[';
        }

        written += Append(endpoint.Address, text[written..]);
        if (v6)
        {
            text[written++] = ']';
        }

        text[written++] = ':';
        endpoint.Port.TryFormat(text[written..], out int n);
        return text[..(written + n)].ToString();
    }

    // The address as TryFormat writes it, then "%scope" for a scoped IPv6 address.
    private static int Append(IPAddress address, Span<char> destination)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int length);
        TryFormat(bytes[..length], destination, out int written);
        if (length == 16 && address.ScopeId != 0)
        {
            destination[written++] = '%';
            address.ScopeId.TryFormat(destination[written..], out int n);
            written += n;
        }

        return written;
    }

    // A zone is a scope id or an interface name (RFC 4007 section 11.2); names must exist here,
    // because a link-local endpoint without a usable scope cannot be sent to.
    private static bool TryParseZone(ReadOnlySpan<char> zone, out long scopeId)
    {
        scopeId = 0;
        if (zone.Length == 0 || zone.Length > 15)
        {
            return false;
        }

        if (DecimalText.TryParse(zone, uint.MaxValue, out ulong number))
        {
            scopeId = (long)number;
            return true;
        }

        foreach (char c in zone)
        {
            if (c <= ' ' || c >= 0x7F || c == '/' || c == ':' || c == '%')
            {
                return false;
            }
        }

        scopeId = LibC.IfNameToIndex(zone.ToString());
        return scopeId != 0;
    }
}
