// One entry of a policy rule's From/To list: a prefix, possibly negated with "!". A packet matches the list
// when it is in some positive prefix (or the list has none) and in no negated one.
using System.Net;
using System.Net.Sockets;

namespace WgSharp.Tun.Net;

/// <param name="Network">Canonical (host bits cleared).</param>
public readonly record struct PrefixSelector(IPNetwork Network, bool Negated)
{
    /// <summary>"10.0.0.0/8" or "!10.0.0.0/8" (netip's text for the prefix).</summary>
    public override string ToString() => (Negated ? "!" : "") + IpText.Format(Network);

    /// <summary>"prefix" or "!prefix" (white space around either trimmed; a bare address is a host prefix), host bits
    /// cleared: for tests and tools.</summary>
    /// <exception cref="FormatException">Not such text.</exception>
    public static PrefixSelector Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        ReadOnlySpan<char> trimmed = text.AsSpan().Trim();
        bool negated = trimmed.StartsWith('!');
        ReadOnlySpan<char> prefix = negated ? trimmed[1..].TrimStart() : trimmed;
        IPNetwork network = default;
        bool parsed = prefix.Contains('/')
            ? IpText.TryParsePrefix(prefix, out network)
            : IpText.TryParseAddress(prefix, allowZone: false, out IPAddress address)
                && TryHost(address, out network);
        if (!parsed)
        {
            throw new FormatException($"'{text}' is not an IP prefix, optionally with '!' in front.");
        }

        return new PrefixSelector(network, negated);
    }

    private static bool TryHost(IPAddress address, out IPNetwork network)
    {
        network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }
}
