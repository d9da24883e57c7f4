// A WireGuard daemon with wireguard-go's command line (`IMPL <ifname>`, WG_PROCESS_FOREGROUND,
// LOG_LEVEL, UAPI socket in /var/run/wireguard): what a test peer runs.
// Public only because xunit theories take it as a parameter; it serialises so each case is listed.
using Xunit.Abstractions;

namespace WgSharp.Interop.Tests.Harness;

public sealed class Implementation : IXunitSerializable, IEquatable<Implementation>
{
    /// <summary>For xunit's deserialiser only.</summary>
    public Implementation()
    {
        Executable = string.Empty;
    }

    private Implementation(ImplementationKind kind, string executable)
    {
        Kind = kind;
        Executable = executable;
    }

    public static Implementation WireguardGo { get; } = new(ImplementationKind.WireguardGo, "/usr/bin/wireguard-go");

    public static Implementation WireguardGo2023 { get; } = new(ImplementationKind.WireguardGo2023, "/usr/local/bin/wireguard-go-2023");

    public ImplementationKind Kind { get; private set; }

    public string Executable { get; private set; }

    public bool IsReference => Kind != ImplementationKind.WgSharp;

    /// <summary>wgsharp launched through an explicit path.</summary>
    public static Implementation WgSharp(string path) => new(ImplementationKind.WgSharp, path);

    /// <summary>wgsharp launched through `&lt;repository root&gt;/wgsharp`.</summary>
    public static Implementation WgSharpFromRepository() => WgSharp(RepositoryRoot.WgSharpLauncher);

    /// <summary>The same kind of daemon from another executable (another build or install location).</summary>
    public Implementation WithExecutable(string path) => new(Kind, path);

    public void Deserialize(IXunitSerializationInfo info)
    {
        Kind = info.GetValue<ImplementationKind>(nameof(Kind));
        Executable = info.GetValue<string>(nameof(Executable));
    }

    public void Serialize(IXunitSerializationInfo info)
    {
        info.AddValue(nameof(Kind), Kind);
        info.AddValue(nameof(Executable), Executable);
    }

    public bool Equals(Implementation? other) =>
        other is not null && Kind == other.Kind && string.Equals(Executable, other.Executable, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as Implementation);

    public override int GetHashCode() => HashCode.Combine(Kind, Executable);

    /// <summary>Short name, shown in test case names.</summary>
    public override string ToString() => Kind switch
    {
        ImplementationKind.WireguardGo => "wireguard-go",
        ImplementationKind.WireguardGo2023 => "wireguard-go-2023",
        _ => "wgsharp",
    };
}
