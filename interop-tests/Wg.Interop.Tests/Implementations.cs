// The implementations the interop suite runs against each other: wgsharp against itself and against
// both reference builds of wireguard-go, in both roles (the first of a pair initiates in most tests).
// Single-daemon tests run each implementation that appears in Pairs.
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests;

public static class Implementations
{
    // One instance, declared before Pairs (static fields initialise in order), so All lists it once.
    private static readonly Implementation WgSharp = Implementation.WgSharpFromRepository();

    /// <summary>(A, B): A runs in the first namespace, B in the second. Order matters; list both.</summary>
    public static readonly IReadOnlyList<(Implementation A, Implementation B)> Pairs =
    [
        (WgSharp, WgSharp),
        (WgSharp, Implementation.WireguardGo),
        (Implementation.WireguardGo, WgSharp),
        (WgSharp, Implementation.WireguardGo2023),
        (Implementation.WireguardGo2023, WgSharp),
    ];


    /// <summary>Every implementation named in <see cref="Pairs"/>, once.</summary>
    public static IEnumerable<Implementation> All => Pairs.SelectMany(p => new[] { p.A, p.B }).Distinct();

    public static TheoryData<Implementation, Implementation> PairData
    {
        get
        {
            var data = new TheoryData<Implementation, Implementation>();
            foreach (var (a, b) in Pairs)
            {
                data.Add(a, b);
            }

            return data;
        }
    }

    /// <summary>Each pair over an IPv4 and over an IPv6 underlay.</summary>
    public static TheoryData<Implementation, Implementation, EndpointFamily> PairFamilyData
    {
        get
        {
            var data = new TheoryData<Implementation, Implementation, EndpointFamily>();
            foreach (var (a, b) in Pairs)
            {
                data.Add(a, b, EndpointFamily.V4);
                data.Add(a, b, EndpointFamily.V6);
            }

            return data;
        }
    }

    public static TheoryData<Implementation> SingleData
    {
        get
        {
            var data = new TheoryData<Implementation>();
            foreach (var implementation in All)
            {
                data.Add(implementation);
            }

            return data;
        }
    }
}
