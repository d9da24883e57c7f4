// What the handshake thread writes into, allocated once per thread: the engine's output and a
// one-datagram send vector for replies to senders without a peer.
namespace WgSharp.Router.Device;

internal sealed class HandshakeScratch
{
    public byte[] Buffer { get; } = GC.AllocateUninitializedArray<byte>(PacketBatch.BufferSize, pinned: true);

    public byte[][] SendBuffers { get; } = new byte[1][];

    public int[] SendSizes { get; } = new int[1];
}
