// Small lexical rules of the UAPI text protocol shared by the set parser, the get parser and the client.
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Uapi;

internal static class UapiSyntax
{
    /// <summary>Unsigned decimal as Go's strconv.ParseUint(s, 10, bits) takes it (<see cref="DecimalText"/>).</summary>
    public static bool TryParseDecimal(ReadOnlySpan<char> text, ulong max, out ulong value) =>
        DecimalText.TryParse(text, max, out value);

    /// <summary>Splits "key=value" at the first '='.</summary>
    public static bool TrySplit(ReadOnlySpan<char> line, out ReadOnlySpan<char> key, out ReadOnlySpan<char> value)
    {
        int equals = line.IndexOf('=');
        if (equals < 0)
        {
            key = value = default;
            return false;
        }

        key = line[..equals];
        value = line[(equals + 1)..];
        return true;
    }

    /// <summary>A key as it may appear in a log line: printable ASCII, shortened (<see cref="PolicyGrammar.Printable"/>).</summary>
    public static string Printable(ReadOnlySpan<char> key) => PolicyGrammar.Printable(key);
}
