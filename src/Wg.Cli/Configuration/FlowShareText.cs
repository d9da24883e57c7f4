// The ConntrackPerPeer value, one grammar for the config file and the UAPI extension: a number of flows or a
// percentage of the connection-tracking table, decimal without sign ("4096", "25%").
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Configuration;

internal static class FlowShareText
{
    /// <summary>What a valid value is, for error messages.</summary>
    public static readonly string Expected = $"a number of flows 1-{RouterFlowShare.MaxFlows} or a percentage 1%-100%";

    /// <summary>Parses what <see cref="RouterFlowShare.ToString"/> writes; false for anything else or out of range.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out RouterFlowShare share)
    {
        share = default;
        bool percent = text.EndsWith('%');
        if (!UapiSyntax.TryParseDecimal(percent ? text[..^1] : text, percent ? 100UL : RouterFlowShare.MaxFlows, out ulong value) || value == 0)
        {
            return false;
        }

        share = new RouterFlowShare((int)value, percent);
        return true;
    }
}
