// A handshake datagram waiting in the handshake worker's queue. Pooled (allocated once, up front), so
// that queueing what an unauthenticated sender sent costs no allocation.
using WgSharp.Noise.Messages;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

internal sealed class HandshakeMessage
{
    public const int MaxSize = MessageClassifier.MaxHandshakeSize;

    public byte[] Data { get; } = new byte[MaxSize];

    public int Length { get; set; }

    public UdpEndpoint Source { get; set; }

    /// <summary>Forgets the message before the buffer goes back to the pool (nothing of a peer's lingers there).</summary>
    public void Clear()
    {
        Array.Clear(Data);
        Length = 0;
        Source = default;
    }
}
