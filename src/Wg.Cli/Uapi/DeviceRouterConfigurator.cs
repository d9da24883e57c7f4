// Adapts WireGuardDevice's policy-router members to IRouterConfigurator, for the daemon's UAPI server.
using WgSharp.Cli.Presentation;
using WgSharp.Router.Configuration;
using WgSharp.Router.Device;

namespace WgSharp.Cli.Uapi;

internal sealed class DeviceRouterConfigurator(WireGuardDevice device) : IRouterConfigurator
{
    public RouterConfiguration RouterConfiguration => device.RouterConfiguration;

    public void SetRouterConfiguration(RouterConfiguration configuration) => device.SetRouterConfiguration(configuration);

    public RouterSnapshot GetRouterSnapshot(int maxFlows) => RouterStatusText.ToSnapshot(device.GetRouterStatus(maxFlows));
}
