// Which WireGuard userspace daemon a test peer runs.
namespace WgSharp.Interop.Tests.Harness;

public enum ImplementationKind
{
    /// <summary>wireguard-go v0.0.20220316 (Debian bookworm), /usr/bin/wireguard-go.</summary>
    WireguardGo,

    /// <summary>wireguard-go v0.0.20230223 with TUN/UDP GSO and GRO, /usr/local/bin/wireguard-go-2023.</summary>
    WireguardGo2023,

    /// <summary>The product under test, launched through the repository-root script `wgsharp`.</summary>
    WgSharp,
}
