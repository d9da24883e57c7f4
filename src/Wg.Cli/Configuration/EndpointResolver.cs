// Resolves host-name endpoints at `up` time the way `wg setconf` does: transient resolver failures are
// retried with a growing pause (1 s, x1.2 each time, at most 20 s) up to WG_ENDPOINT_RESOLUTION_RETRIES
// times (default 15, "infinity" for no limit), permanent ones fail at once. Unlike wg, which takes
// getaddrinfo's first answer, an IPv4 address is preferred when the name has one.
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace WgSharp.Cli.Configuration;

internal static class EndpointResolver
{
    private static readonly Lazy<TextWriter> StandardError = new(() => StandardStreams.OpenWriter(StandardStreams.Error));

    /// <summary>wg's default for WG_ENDPOINT_RESOLUTION_RETRIES.</summary>
    public const int DefaultRetries = 15;

    /// <summary>Looks a host name up; throws <see cref="SocketException"/> on failure, as Dns.GetHostAddresses does.</summary>
    public delegate IPAddress[] HostLookup(string host);

    /// <summary>The resolver's surroundings, replaceable in tests.</summary>
    /// <param name="Lookup">Name lookup; null: <see cref="Dns.GetHostAddresses(string)"/>.</param>
    /// <param name="Retries">Retries after transient failures; -1: no limit; null: from the environment.</param>
    /// <param name="Sleep">Waits between retries; null: Thread.Sleep.</param>
    /// <param name="Progress">Told about each retry, in wg's words; null: standard error.</param>
    internal sealed record Options(HostLookup? Lookup = null, int? Retries = null, Action<TimeSpan>? Sleep = null, Action<string>? Progress = null);

    /// <summary>Sets <see cref="PeerConfig.ResolvedEndpoint"/> for every peer with a host-name endpoint.
    /// Throws one <see cref="ConfigException"/> naming every endpoint that could not be resolved.</summary>
    public static void ResolveAll(InterfaceConfig config, Options? options = null)
    {
        var errors = new List<ConfigError>();
        foreach (PeerConfig peer in config.Peers)
        {
            if (peer.Endpoint is { IsLiteral: false } endpoint)
            {
                try
                {
                    peer.ResolvedEndpoint = Resolve(endpoint, config.FileName, options);
                }
                catch (ConfigException e)
                {
                    errors.AddRange(e.Errors);
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new ConfigException(errors);
        }
    }

    /// <summary>The endpoint as an address and port; a literal needs no lookup.</summary>
    /// <exception cref="ConfigException">The name does not resolve (to an IPv4 or IPv6 address).</exception>
    public static IPEndPoint Resolve(ConfigEndpoint endpoint, string fileName, Options? options = null)
    {
        if (endpoint.LiteralEndPoint is { } literal)
        {
            return literal;
        }

        options ??= new Options();
        HostLookup lookup = options.Lookup ?? Dns.GetHostAddresses;
        int retries = options.Retries ?? RetriesFromEnvironment();
        Action<TimeSpan> sleep = options.Sleep ?? Thread.Sleep;
        Action<string> progress = options.Progress ?? (static text => StandardError.Value.WriteLine(text));
        TimeSpan pause = TimeSpan.FromSeconds(1);
        while (true)
        {
            string reason;
            try
            {
                IPAddress[] addresses = lookup(endpoint.Host);
                IPAddress? chosen = Array.Find(addresses, a => a.AddressFamily == AddressFamily.InterNetwork)
                    ?? Array.Find(addresses, a => a.AddressFamily == AddressFamily.InterNetworkV6);
                if (chosen is not null)
                {
                    return new IPEndPoint(chosen, endpoint.Port);
                }

                throw new ConfigException(Failure(endpoint, fileName, "it has no IPv4 or IPv6 address"));
            }
            catch (SocketException e) when (IsPermanent(e.SocketErrorCode) || retries == 0)
            {
                throw new ConfigException(Failure(endpoint, fileName, e.Message));
            }
            catch (SocketException e)
            {
                reason = e.Message;
            }

            if (retries > 0)
            {
                retries--;
            }

            progress(string.Create(CultureInfo.InvariantCulture,
                $"{reason}: `{endpoint}'. Trying again in {pause.TotalSeconds:0.00} seconds..."));
            sleep(pause);
            pause = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(20).Ticks, pause.Ticks * 6 / 5));
        }
    }

    // getaddrinfo's EAI_NONAME, EAI_NODATA and EAI_FAIL: retrying cannot help (glibc's NameResolver
    // notes, which wg follows); everything else (EAI_AGAIN, a broken network) may pass.
    private static bool IsPermanent(SocketError error) =>
        error is SocketError.HostNotFound or SocketError.NoData or SocketError.NoRecovery;

    private static ConfigError Failure(ConfigEndpoint endpoint, string fileName, string reason) =>
        new(fileName, endpoint.Line, $"Endpoint: cannot resolve {ConfigValues.Quote(endpoint.Host)}: {reason}");

    private static int RetriesFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable("WG_ENDPOINT_RESOLUTION_RETRIES");
        if (text == "infinity")
        {
            return -1;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int retries) ? retries : DefaultRetries;
    }
}
