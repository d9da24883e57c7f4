// The operating system's CSPRNG as an IRandomSource: what every real device uses.
using System.Security.Cryptography;

namespace WgSharp.Noise;

public sealed class SystemRandomSource : IRandomSource
{
    public static SystemRandomSource Instance { get; } = new();

    private SystemRandomSource() { }

    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}
