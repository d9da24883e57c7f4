// An in-memory IRouterConfigurator for the UAPI server tests: keeps what it is given, refuses on demand,
// and reports a snapshot the test sets.
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Tests.Support;

internal sealed class FakeRouter : IRouterConfigurator
{
    public RouterConfiguration RouterConfiguration { get; private set; } = RouterConfiguration.Empty;

    /// <summary>When set, SetRouterConfiguration throws it (as the device does for a configuration it refuses).</summary>
    public ConfigurationException? Refusal { get; set; }

    public RouterSnapshot Snapshot { get; set; } = new();

    public int SetCount { get; private set; }

    /// <summary>The maxFlows of the last GetRouterSnapshot call.</summary>
    public int? LastMaxFlows { get; private set; }

    public void SetRouterConfiguration(RouterConfiguration configuration)
    {
        SetCount++;
        if (Refusal is { } refusal)
        {
            throw refusal;
        }

        RouterConfiguration = configuration;
    }

    public RouterSnapshot GetRouterSnapshot(int maxFlows)
    {
        LastMaxFlows = maxFlows;
        return new RouterSnapshot
        {
            Rules = Snapshot.Rules,
            Flows = [.. Snapshot.Flows.Take(maxFlows)],
            FlowCount = Snapshot.FlowCount,
            FlowCapacity = Snapshot.FlowCapacity,
            Counters = Snapshot.Counters,
            WhenUpPeers = Snapshot.WhenUpPeers,
        };
    }
}
