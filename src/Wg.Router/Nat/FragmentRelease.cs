// Names the fragments a first fragment released (held because they came before it), for NatEngine.TryTakeReleased.
using System.Runtime.InteropServices;

namespace WgSharp.Router.Nat;

[StructLayout(LayoutKind.Auto)]
internal readonly struct FragmentRelease
{
    public FragmentRelease(int train, int generation, int count)
    {
        Train = train;
        Generation = generation;
        Count = count;
    }

    public int Train { get; }

    /// <summary>The train slot's use: a slot reused for another datagram releases nothing to an old name.</summary>
    public int Generation { get; }

    /// <summary>How many were released (0: none).</summary>
    public int Count { get; }
}
