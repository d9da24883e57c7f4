// The policy router's control-plane face, as the UAPI server's wgsharp-set / wgsharp-get operations use
// it: exactly WireGuardDevice's SetRouterConfiguration, RouterConfiguration and GetRouterSnapshot (the
// daemon adapts the device with DeviceRouterConfigurator; tests use an in-memory double).
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Uapi;

internal interface IRouterConfigurator
{
    /// <summary>The configuration in force (RouterConfiguration.Empty until one is set).</summary>
    RouterConfiguration RouterConfiguration { get; }

    /// <summary>Validates <paramref name="configuration"/> in full and replaces the one in force, or throws
    /// <see cref="ConfigurationException"/> and changes nothing.</summary>
    void SetRouterConfiguration(RouterConfiguration configuration);

    /// <summary>Rule hit counters, up to <paramref name="maxFlows"/> tracked flows, drop counters and the
    /// live state of when-up peers.</summary>
    RouterSnapshot GetRouterSnapshot(int maxFlows);
}
