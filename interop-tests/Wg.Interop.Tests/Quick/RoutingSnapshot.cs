// What `down` must leave exactly as it was before `up`: the policy rules, every route of every table, the
// addresses and the src_valid_mark sysctl of a namespace, as the stock tools print them.
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Quick;

internal sealed record RoutingSnapshot(string Text)
{
    private static readonly string[][] Commands =
    [
        ["ip", "-4", "rule", "show"],
        ["ip", "-6", "rule", "show"],
        ["ip", "-4", "route", "show", "table", "all"],
        ["ip", "-6", "route", "show", "table", "all"],
        ["ip", "address", "show"],
        ["sysctl", "net.ipv4.conf.all.src_valid_mark"],
    ];

    public static async Task<RoutingSnapshot> TakeAsync(NetworkNamespace ns)
    {
        // A link-local address is "tentative" until duplicate address detection ends; wait that out so the
        // text does not change by itself between two snapshots.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await ns.ExecCheckedAsync(["ip", "address", "show"]).ConfigureAwait(false)).StandardOutput.Contains("tentative", StringComparison.Ordinal)
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        var text = new System.Text.StringBuilder();
        foreach (var command in Commands)
        {
            var result = await ns.ExecCheckedAsync(command).ConfigureAwait(false);
            text.Append("$ ").AppendJoin(' ', command).Append('\n').Append(result.StandardOutput);
        }

        return new RoutingSnapshot(text.ToString());
    }

    public override string ToString() => Text;
}
