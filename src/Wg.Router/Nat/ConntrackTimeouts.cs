// How long an idle flow stays in the conntrack table, by protocol and TCP state. Linux's defaults
// (nf_conntrack_tcp_timeout_established = 5 days) suit a kernel with memory to spare; a bounded
// userspace table on a small router wants the NAT BCP minimums instead.
namespace WgSharp.Router.Nat;

/// <summary>
/// Idle timeouts: a flow expires when no packet matched it for this long in its current state.
/// </summary>
/// <remarks>
/// TCP: established 2 h 4 min, the minimum RFC 5382 REQ-5 allows (TCP keepalives default to 2 h, so a
/// live idle connection is refreshed in time); partially open or closing ("transitory") 4 min, also
/// RFC 5382 REQ-5's minimum, used as well for a picked-up mid-stream flow that has seen no answer;
/// TIME_WAIT 2 min (2·MSL, as Linux); after a RST 10 s (as Linux). UDP: 30 s until a reply is seen
/// (Linux nf_conntrack_udp_timeout, enough for DNS), then 180 s (Linux udp_timeout_stream; RFC 4787
/// REQ-5 asks at least 2 min of a mapping in use). ICMP echo 30 s (Linux). Other protocols (GRE,
/// ESP, ...) 10 min (Linux nf_conntrack_generic_timeout), since their keepalives are often minutes apart.
/// </remarks>
internal sealed record ConntrackTimeouts
{
    public static ConntrackTimeouts Default { get; } = new();

    public TimeSpan TcpEstablished { get; init; } = TimeSpan.FromMinutes(124);

    public TimeSpan TcpTransitory { get; init; } = TimeSpan.FromMinutes(4);

    public TimeSpan TcpTimeWait { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan TcpClosed { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Udp { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan UdpReplied { get; init; } = TimeSpan.FromSeconds(180);

    public TimeSpan Icmp { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Generic { get; init; } = TimeSpan.FromMinutes(10);

    internal void Validate()
    {
        foreach (TimeSpan timeout in (ReadOnlySpan<TimeSpan>)[TcpEstablished, TcpTransitory, TcpTimeWait, TcpClosed, Udp, UdpReplied, Icmp, Generic])
        {
            if (timeout <= TimeSpan.Zero)
            {
                NatThrowHelper.ThrowArgumentOutOfRange(nameof(ConntrackOptions.Timeouts), timeout, "Timeouts must be positive.");
            }
        }
    }
}
