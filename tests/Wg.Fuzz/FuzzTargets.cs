// The targets by name; fuzz.sh, the seed corpora (corpus/<name>) and the CI smoke pass use these names.
using System.Diagnostics.CodeAnalysis;
using WgSharp.Fuzz.Targets;

namespace WgSharp.Fuzz;

internal static class FuzzTargets
{
    private static readonly (string Name, Func<IFuzzTarget> Create)[] All =
    [
        ("transport", () => new TransportTarget()),
        ("handshake", () => new HandshakeTarget()),
        ("uapi-set", () => new UapiSetTarget()),
        ("show", () => new ShowTarget()),
        ("config", () => new ConfigTarget()),
        ("rtnetlink", () => new RtNetlinkTarget()),
        ("gro", () => new GroTarget()),
        ("gso", () => new GsoTarget()),
        ("router", () => new RouterTarget()),
    ];

    public static IEnumerable<string> Names => All.Select(t => t.Name);

    /// <summary>The target's constructor. Under AFL++ call it only inside the fuzzing loop: instrumented
    /// code may not run before SharpFuzz has mapped the coverage bitmap.</summary>
    public static bool TryFind(string name, [NotNullWhen(true)] out Func<IFuzzTarget>? create)
    {
        foreach ((string n, Func<IFuzzTarget> c) in All)
        {
            if (n == name)
            {
                create = c;
                return true;
            }
        }
        create = null;
        return false;
    }
}
