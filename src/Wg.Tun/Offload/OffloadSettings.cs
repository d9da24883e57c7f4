// The process-wide switch for TUN and UDP offloads: on unless WGSHARP_OFFLOADS says off (for A/B measurements and
// as an escape hatch should a kernel mishandle them); each offload is still probed at run time and falls back.
namespace WgSharp.Tun.Offload;

internal static class OffloadSettings
{
    /// <summary>"0", "off", "false" or "no" turns every offload off.</summary>
    public const string EnvironmentVariable = "WGSHARP_OFFLOADS";

    /// <summary>Whether TunDevice.Create and UdpBind.Open try offloads by default (read once per process).</summary>
    public static bool Enabled { get; } = Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));

    internal static bool Parse(string? value) =>
        value?.Trim().ToLowerInvariant() is not ("0" or "off" or "false" or "no");
}
