// The daemon's UDP sockets once it has given up root: everything goes straight to the socket except SO_MARK, which
// needs CAP_NET_ADMIN on the calling thread and so is set on the privileged thread.
using System.Net.Sockets;
using WgSharp.Tun;

namespace WgSharp.Cli.Daemon;

internal sealed class PrivilegedUdpBind(IUdpBind inner, PrivilegedThread privileged) : IUdpBind
{
    public ushort Port => inner.Port;

    public int BatchSize => inner.BatchSize;

    public bool Supports(AddressFamily family) => inner.Supports(family);

    public int Receive(AddressFamily family, byte[][] buffers, int[] sizes, UdpEndpoint[] endpoints, int offset) =>
        inner.Receive(family, buffers, sizes, endpoints, offset);

    public UdpSendResult Send(byte[][] buffers, int[] sizes, int count, int offset, ref UdpEndpoint endpoint) =>
        inner.Send(buffers, sizes, count, offset, ref endpoint);

    public void SetMark(uint mark) => privileged.Invoke(() => inner.SetMark(mark));

    public void Close() => inner.Close();

    public void Dispose() => inner.Dispose();
}
