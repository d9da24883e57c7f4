// The answer to a packet a Reject rule refused: ICMP Destination Unreachable "administratively
// prohibited" (ICMPv4 type 3 code 13, RFC 1812 5.2.7.1; ICMPv6 type 1 code 1, RFC 4443 3.1).
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Policy;

/// <remarks>
/// ICMP is what `Action = reject` promises (administratively prohibited) and what a host's stack reports to the application for any protocol
/// (EHOSTUNREACH / "Packet filtered"). Many firewalls answer TCP with a RST instead (iptables
/// <c>--reject-with tcp-reset</c>), which makes connect() fail with ECONNREFUSED at once and is also
/// honoured by stacks that ignore ICMP; that would be a second reject kind built from the segment's
/// ports and sequence numbers (RFC 9293 3.10.7.1), not provided here.
/// </remarks>
internal static class PolicyReject
{
    /// <summary>The longest answer written (an ICMPv6 error fills at most the IPv6 minimum MTU).</summary>
    public const int MaxLength = IcmpErrorBuilder.MaxLengthV6;

    /// <summary>
    /// Writes the IP packet answering <paramref name="rejected"/>, from <paramref name="source"/> (an
    /// address of the interface in the packet's family) to the rejected packet's source, quoting as much
    /// of it as RFC 1812 / RFC 4443 allow. False, with nothing written, when it must not be answered
    /// (ICMP errors, non-first fragments, multicast or broadcast destinations, sources that name no
    /// host: see <see cref="IcmpErrorBuilder"/>) or is malformed. <paramref name="destination"/> may be
    /// the rejected packet's own buffer; it must hold <see cref="MaxLength"/> bytes or the whole answer.
    /// </summary>
    public static bool TryWrite(ReadOnlySpan<byte> rejected, IpAddressKey source, Span<byte> destination, out int written) =>
        IcmpErrorBuilder.TryWrite(rejected, IcmpErrorKind.AdministrativelyProhibited, source, 0, destination, out written);
}
