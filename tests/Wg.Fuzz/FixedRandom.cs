// A deterministic random source (SplitMix64), so a saved input replays exactly as it was fuzzed.
using WgSharp.Noise;

namespace WgSharp.Fuzz;

internal sealed class FixedRandom(ulong seed) : IRandomSource
{
    private ulong _state = seed;

    public void Fill(Span<byte> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            _state += 0x9E3779B97F4A7C15;
            ulong z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            destination[i] = (byte)(z ^ (z >> 31));
        }
    }
}
