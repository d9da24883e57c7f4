// A random source that hands out exactly the values a test scripted, in order, and fails on any other
// request: the seam through which the reference handshake fixes ephemeral keys and indices.
namespace WgSharp.Noise.Tests.Oracle;

internal sealed class ScriptedRandom(params byte[][] values) : IRandomSource
{
    private readonly Queue<byte[]> _values = new(values);

    public int Remaining => _values.Count;

    public void Fill(Span<byte> destination)
    {
        if (!_values.TryDequeue(out byte[]? next))
        {
            throw new InvalidOperationException($"an unscripted request for {destination.Length} random bytes");
        }
        if (next.Length != destination.Length)
        {
            throw new InvalidOperationException($"a request for {destination.Length} random bytes where {next.Length} were scripted");
        }
        next.CopyTo(destination);
    }
}
