// An IUdpBind that passes everything to another and shows each datagram sent to an observer first:
// tests see exactly what left a device.
using System.Net.Sockets;
using WgSharp.Tun;

namespace WgSharp.Router.Tests.Device;

internal sealed class TappedUdpBind(IUdpBind inner, Action<ReadOnlySpan<byte>> onSend) : IUdpBind
{
    public ushort Port => inner.Port;

    public int BatchSize => inner.BatchSize;

    public bool Supports(AddressFamily family) => inner.Supports(family);

    public int Receive(AddressFamily family, byte[][] buffers, int[] sizes, UdpEndpoint[] endpoints, int offset) =>
        inner.Receive(family, buffers, sizes, endpoints, offset);

    public UdpSendResult Send(byte[][] buffers, int[] sizes, int count, int offset, ref UdpEndpoint endpoint)
    {
        for (int i = 0; i < count; i++)
        {
            onSend(buffers[i].AsSpan(offset, sizes[i]));
        }

        return inner.Send(buffers, sizes, count, offset, ref endpoint);
    }

    public void SetMark(uint mark) => inner.SetMark(mark);

    public void Close() => inner.Close();

    public void Dispose() => inner.Dispose();
}
