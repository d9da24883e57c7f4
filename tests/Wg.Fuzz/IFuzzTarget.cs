// One fuzz target: feeds an input to one parser or packet stage and checks its invariants.
namespace WgSharp.Fuzz;

internal interface IFuzzTarget
{
    /// <summary>Runs one input. Returns normally when every invariant held; throws
    /// <see cref="InvariantException"/> (or lets the bug's own exception escape) otherwise, which AFL++
    /// records as a crash.</summary>
    void Run(ReadOnlySpan<byte> input);
}
