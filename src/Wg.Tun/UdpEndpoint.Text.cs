// UdpEndpoint text forms "1.2.3.4:51820" and "[2001:db8::1]:51820": exactly what wireguard-go's UAPI accepts for
// endpoint= (netip.ParseAddrPort) and prints in get=1 (AddrPort.String).
using WgSharp.Tun.Interop;
using WgSharp.Tun.Net;

namespace WgSharp.Tun;

public readonly partial struct UdpEndpoint : ISpanFormattable
{
    /// <summary>Longest text: "[" + 39-char IPv6 + "%4294967295" + "]:65535".</summary>
    public const int MaxTextLength = 1 + IpText.MaxLength + 11 + 2 + 5;

    /// <summary>
    /// Parses "a.b.c.d:port" or "[ipv6]:port" / "[ipv6%zone]:port" with Go's rules: split at the last colon,
    /// IPv6 must be bracketed and IPv4 must not, port is 1-5 decimal digits up to 65535 (leading zeros allowed),
    /// no host names. A zone that names an interface is resolved to its index (0 if there is no such interface);
    /// a numeric zone is the index itself.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out UdpEndpoint endpoint)
    {
        endpoint = default;
        int colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            return false;
        }
        ReadOnlySpan<char> host = text[..colon];
        ReadOnlySpan<char> portText = text[(colon + 1)..];
        if (host.IsEmpty || portText.IsEmpty)
        {
            return false;
        }
        bool bracketed = false;
        if (host[0] == '[')
        {
            if (host.Length < 2 || host[^1] != ']')
            {
                return false;
            }
            host = host[1..^1];
            bracketed = true;
        }
        if (!TryParsePort(portText, out ushort port))
        {
            return false;
        }
        Span<byte> address = stackalloc byte[16];
        if (!IpText.TryParse(host, address, out bool isIPv6, out ReadOnlySpan<char> zone) || bracketed != isIPv6)
        {
            return false;
        }
        endpoint = isIPv6 ? FromIPv6(address, port, ResolveZone(zone)) : FromIPv4(address[..4], port);
        return true;
    }

    public static bool TryParse(string? text, out UdpEndpoint endpoint)
    {
        if (text is null)
        {
            endpoint = default;
            return false;
        }
        return TryParse(text.AsSpan(), out endpoint);
    }

    public static UdpEndpoint Parse(string text) =>
        TryParse(text, out UdpEndpoint endpoint)
            ? endpoint
            : throw new FormatException($"'{text}' is not an endpoint of the form 1.2.3.4:51820 or [2001:db8::1]:51820.");

    // strconv.ParseUint(s, 10, 16): decimal digits only, no sign or underscores.
    private static bool TryParsePort(ReadOnlySpan<char> text, out ushort port)
    {
        port = 0;
        uint value = 0;
        foreach (char c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
            value = value * 10 + (uint)(c - '0');
            if (value > ushort.MaxValue)
            {
                return false;
            }
        }
        port = (ushort)value;
        return true;
    }

    private static uint ResolveZone(ReadOnlySpan<char> zone)
    {
        if (zone.IsEmpty)
        {
            return 0;
        }
        if (zone.IndexOfAnyExceptInRange('0', '9') < 0)
        {
            return uint.TryParse(zone, out uint index) ? index : 0;
        }
        if (zone.Length >= LibC.IFNAMSIZ || zone.Contains('\0'))
        {
            return 0;
        }
        return LibC.IfNameToIndex(zone.ToString());
    }

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default,
        IFormatProvider? provider = null)
    {
        charsWritten = 0;
        if (IsEmpty)
        {
            return true;
        }
        Span<byte> address = stackalloc byte[16];
        int length = CopyAddressTo(address);
        int written = 0;
        if (_family == FamilyV6)
        {
            if (destination.IsEmpty)
            {
                return false;
            }
            destination[written++] = '[';
        }
        if (!IpText.TryFormat(address[..length], destination[written..], out int n))
        {
            return false;
        }
        written += n;
        if (_family == FamilyV6)
        {
            if (_scopeId != 0)
            {
                if (written >= destination.Length)
                {
                    return false;
                }
                destination[written++] = '%';
                if (!_scopeId.TryFormat(destination[written..], out n))
                {
                    return false;
                }
                written += n;
            }
            if (written >= destination.Length)
            {
                return false;
            }
            destination[written++] = ']';
        }
        if (written >= destination.Length)
        {
            return false;
        }
        destination[written++] = ':';
        if (!_port.TryFormat(destination[written..], out n))
        {
            return false;
        }
        charsWritten = written + n;
        return true;
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>"1.2.3.4:51820", "[2001:db8::1]:51820", "[fe80::1%2]:51820"; empty string for the empty endpoint.</summary>
    public override string ToString()
    {
        Span<char> text = stackalloc char[MaxTextLength];
        return TryFormat(text, out int written) ? new string(text[..written]) : string.Empty;
    }
}
