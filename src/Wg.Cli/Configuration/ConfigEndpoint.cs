// A [Peer] Endpoint as written: an IP literal with its port, or a host name resolved later (at `up`,
// see EndpointResolver), exactly the forms `wg setconf` splits ("host:port", "[v6]:port", "v4:port").
using System.Net;
using System.Net.Sockets;
using WgSharp.Cli.Uapi;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Configuration;

/// <param name="Host">The host part without brackets: an address literal or a host name.</param>
/// <param name="Port">1-65535.</param>
/// <param name="Address">The address when <paramref name="Host"/> is a literal; null for a host name.</param>
/// <param name="Line">Where the Endpoint line is, for errors found when resolving.</param>
internal sealed record ConfigEndpoint(string Host, ushort Port, IPAddress? Address, int Line)
{
    public bool IsLiteral => Address is not null;

    /// <summary>The literal as an IPEndPoint; null for a host name.</summary>
    public IPEndPoint? LiteralEndPoint => Address is null ? null : new IPEndPoint(Address, Port);

    /// <summary>"host:port", "1.2.3.4:port" or "[2001:db8::1]:port".</summary>
    public override string ToString() => Address is null
        ? $"{Host}:{Port}"
        : IpText.Format(new IPEndPoint(Address, Port));

    /// <summary>
    /// Splits the way wg's config.c does: "[...]" then ":port", otherwise at the last colon (so an
    /// unbracketed "::1:51820" is the IPv6 literal ::1). The host must be an IPv4 or IPv6 literal (an
    /// IPv6 zone must name an existing interface) or a syntactically valid host name; the port is
    /// decimal 1-65535 (wg also takes service names from /etc/services; no WireGuard port has one).
    /// </summary>
    /// <param name="error">Why the text was refused; quotes <paramref name="text"/> only through
    /// <see cref="ConfigValues.Quote"/>.</param>
    public static bool TryParse(string text, int line, out ConfigEndpoint endpoint, out string error)
    {
        endpoint = null!;
        error = "";
        string host;
        string portText;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']');
            if (close < 0)
            {
                error = $"{ConfigValues.Quote(text)} has no closing ']'";
                return false;
            }

            host = text[1..close];
            if (close + 1 >= text.Length || text[close + 1] != ':' || close + 2 == text.Length)
            {
                error = $"{ConfigValues.Quote(text)} has no port (write host:port or [IPv6]:port)";
                return false;
            }

            portText = text[(close + 2)..];
        }
        else
        {
            int colon = text.LastIndexOf(':');
            if (colon < 0 || colon == text.Length - 1)
            {
                error = $"{ConfigValues.Quote(text)} has no port (write host:port or [IPv6]:port)";
                return false;
            }

            host = text[..colon];
            portText = text[(colon + 1)..];
        }

        if (!UapiSyntax.TryParseDecimal(portText, ushort.MaxValue, out ulong port) || port == 0)
        {
            error = $"{ConfigValues.Quote(text)} has an invalid port (1-65535)";
            return false;
        }

        if (host.Contains(':') || host.Contains('%') || ConfigValues.LooksNumeric(host))
        {
            // Looks like an address literal: it must be a valid one (getaddrinfo would turn a sloppy
            // "10.1" into 10.0.0.1; a config file should not).
            if (!IpText.TryParseAddress(host, allowZone: true, out IPAddress address)
                || (text.StartsWith('[') && address.AddressFamily != AddressFamily.InterNetworkV6))
            {
                error = $"{ConfigValues.Quote(text)}: {ConfigValues.Quote(host)} is not a valid IP address";
                return false;
            }

            endpoint = new ConfigEndpoint(host, (ushort)port, address, line);
            return true;
        }

        if (text.StartsWith('[') || !ConfigValues.IsHostName(host))
        {
            error = $"{ConfigValues.Quote(text)}: {ConfigValues.Quote(host)} is neither an IP address nor a valid host name";
            return false;
        }

        endpoint = new ConfigEndpoint(host, (ushort)port, null, line);
        return true;
    }
}
