// The engine's only source of randomness (ephemeral keys, sender indices, cookie secrets, nonces),
// injected so tests can make handshakes reproducible.
namespace WgSharp.Noise;

public interface IRandomSource
{
    void Fill(Span<byte> destination);
}
