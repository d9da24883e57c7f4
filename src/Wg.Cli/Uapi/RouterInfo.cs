// What a `wgsharp-get=1` reply carries: the router configuration in force and the router's snapshot.
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Uapi;

internal sealed record RouterInfo(RouterConfiguration Configuration, RouterSnapshot Snapshot);
