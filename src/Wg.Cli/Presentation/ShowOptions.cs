// How `wgsharp show` presents what it reads, and where it looks: the choices `wg show` takes from its
// environment (WG_COLOR_MODE, WG_HIDE_KEYS, whether standard output is a terminal), made replaceable
// so tests can fix them.
using WgSharp.Cli.Uapi;

namespace WgSharp.Cli.Presentation;

/// <param name="Colors">Color the readable format with ANSI escapes.</param>
/// <param name="HideKeys">Print "(hidden)" instead of private and preshared keys in the readable format.</param>
/// <param name="Clock">"Now", for "latest handshake: 3 seconds ago".</param>
/// <param name="SocketDirectory">Where the interfaces' UAPI sockets are.</param>
internal sealed record ShowOptions(bool Colors, bool HideKeys, TimeProvider Clock, string SocketDirectory)
{
    /// <summary>
    /// wg's rules: WG_COLOR_MODE=always or never forces colors on or off, anything else (or nothing)
    /// means "when standard output is a terminal"; WG_HIDE_KEYS=never shows the keys, anything else
    /// hides them.
    /// </summary>
    public static ShowOptions FromEnvironment(Func<string, string?> environment, bool outputIsTerminal,
        TimeProvider? clock = null, string socketDirectory = UapiSocket.DefaultDirectory) => new(
        environment("WG_COLOR_MODE") switch
        {
            "always" => true,
            "never" => false,
            _ => outputIsTerminal,
        },
        environment("WG_HIDE_KEYS") != "never",
        clock ?? TimeProvider.System,
        socketDirectory);

    /// <summary>The options for this process (colors by default only when standard output is a terminal).</summary>
    public static ShowOptions FromProcess() =>
        FromEnvironment(Environment.GetEnvironmentVariable, outputIsTerminal: StandardStreams.IsTerminal(StandardStreams.Output));
}
