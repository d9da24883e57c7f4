// The UDP edge as the device pipeline sees it; UdpBind is the kernel one, InMemoryUdpBind the test twin.
using System.Net.Sockets;

namespace WgSharp.Tun;

/// <summary>
/// WireGuard's UDP transport: one socket per address family on the same port, batch-shaped so that
/// recvmmsg/sendmmsg and UDP GSO/GRO fit without changing callers (wireguard-go <c>conn/conn.go</c>).
/// Run one receive loop per supported family; Send may be called from any number of threads; Close from any
/// thread wakes blocked receivers.
/// </summary>
public interface IUdpBind : IDisposable
{
    /// <summary>The bound port (the kernel's choice when 0 was asked for), the same for IPv4 and IPv6.</summary>
    ushort Port { get; }

    /// <summary>How many datagrams are worth passing to one Receive or Send.</summary>
    int BatchSize { get; }

    /// <summary>Whether there is a socket for <paramref name="family"/> (IPv6 may be unavailable).</summary>
    bool Supports(AddressFamily family);

    /// <summary>
    /// Blocks until at least one datagram arrives on the <paramref name="family"/> socket, then fills, for each
    /// datagram i, <c>buffers[i]</c> from <paramref name="offset"/>, <c>sizes[i]</c> and <c>endpoints[i]</c>
    /// (sender address and port, with our local address and ifindex as its sticky source). Takes what is ready,
    /// up to min(buffers.Length, BatchSize). Returns the count, or 0 once closed. Datagrams larger than the
    /// buffer are dropped; their buffers may be moved behind the returned ones within <paramref name="buffers"/>.
    /// </summary>
    int Receive(AddressFamily family, byte[][] buffers, int[] sizes, UdpEndpoint[] endpoints, int offset);

    /// <summary>
    /// Sends <paramref name="count"/> datagrams (<c>sizes[i]</c> bytes of <c>buffers[i]</c> from
    /// <paramref name="offset"/>) to <paramref name="endpoint"/>, from its sticky source when it has one. If that
    /// source is no longer usable the source is cleared in <paramref name="endpoint"/> and the send retried once;
    /// store the endpoint back. Errors are returned, not thrown.
    /// </summary>
    UdpSendResult Send(byte[][] buffers, int[] sizes, int count, int offset, ref UdpEndpoint endpoint);

    /// <summary>Sets the firewall mark (SO_MARK) on outgoing datagrams; 0 clears it.</summary>
    void SetMark(uint mark);

    /// <summary>Closes both sockets (same as Dispose); blocked receivers return 0.</summary>
    void Close();
}
