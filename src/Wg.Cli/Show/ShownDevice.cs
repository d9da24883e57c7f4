// One interface as `show` prints it: its name, the configuration and counters read from its socket,
// and when they were read (the "now" of "latest handshake: 5 seconds ago").
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Show;

/// <param name="Snapshot">Owned by the caller.</param>
internal sealed record ShownDevice(string Name, DeviceSnapshot Snapshot, DateTimeOffset Now);
