// `strip`: the configuration file minus everything `wg` does not understand, byte for byte what
// `wg-quick strip` prints (lines trimmed of spaces and tabs, comments and blank lines kept, wg-quick's
// [Interface] keys dropped, one extra newline at the end), minus WgSharp's extensions as well: the
// MssClamp, ConntrackPerPeer, Relay and User keys, the [Peer] keys Name, Inbound and Routes, and whole [Rule] and [Forward] sections.
using System.Text;

namespace WgSharp.Cli.Configuration;

internal static class ConfigStripper
{
    private static readonly string[] WgQuickInterfaceKeys =
        ["Address", "MTU", "DNS", "Table", "PreUp", "PreDown", "PostUp", "PostDown", "SaveConfig"];

    private static readonly string[] ExtensionInterfaceKeys = ["MssClamp", "ConntrackPerPeer", "Relay", "User"];

    private static readonly string[] ExtensionPeerKeys = ["Name", "Inbound", "Routes"];

    private static readonly string[] ExtensionSections = ["[Rule]", "[Forward]"];

    /// <summary>The stripped file. Bytes pass through unchanged (they are handled as Latin-1, as bash
    /// handles them: as bytes), except that NUL bytes are dropped, as bash's read drops them.</summary>
    /// <param name="error">wg-quick's only complaint while stripping: a SaveConfig that is neither true
    /// nor false (then the result is null).</param>
    public static byte[]? Strip(ReadOnlySpan<byte> file, out string? error)
    {
        error = null;
        string text = Encoding.Latin1.GetString(file).Replace("\0", "", StringComparison.Ordinal);
        var output = new StringBuilder(text.Length + 1);
        bool interfaceSection = false;
        bool peerSection = false;
        bool extensionSection = false;
        string[] lines = text.Split('\n');
        // `while read -r line || [[ -n $line ]]`: a final line without a newline counts unless it is empty.
        int count = lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        for (int i = 0; i < count; i++)
        {
            // read -r with the default IFS trims spaces and tabs (not \r, \v or \f) at both ends.
            string line = lines[i].Trim(' ', '\t');
            int hash = line.IndexOf('#');
            string stripped = hash >= 0 ? line[..hash] : line;
            int equals = stripped.IndexOf('=');
            // ${key##*([[:space:]])}: [[:space:]] in the C locale is " \t\n\v\f\r".
            string key = (equals >= 0 ? stripped[..equals] : stripped).Trim(' ', '\t', '\n', '\v', '\f', '\r');
            string value = (equals >= 0 ? stripped[(equals + 1)..] : stripped).Trim(' ', '\t', '\n', '\v', '\f', '\r');
            if (key.StartsWith('['))
            {
                interfaceSection = key.Equals("[Interface]", StringComparison.OrdinalIgnoreCase);
                string section = ConfigValues.RemoveWhiteSpace(key);
                peerSection = section.Equals("[Peer]", StringComparison.OrdinalIgnoreCase);
                extensionSection = Array.Exists(ExtensionSections, s => s.Equals(section, StringComparison.OrdinalIgnoreCase));
            }

            if (interfaceSection && IsOneOf(key, WgQuickInterfaceKeys))
            {
                if (IsOneOf(key, ["SaveConfig"]) && !IsOneOf(value, ["true", "false"]))
                {
                    error = $"`{value}' is neither true nor false";
                    return null;
                }

                continue;
            }

            if (extensionSection || (interfaceSection && IsOneOf(key, ExtensionInterfaceKeys)) || (peerSection && IsOneOf(key, ExtensionPeerKeys)))
            {
                continue;
            }

            output.Append(line).Append('\n');
        }

        output.Append('\n'); // echo "$WG_CONFIG" adds a newline after the last line's own
        return Encoding.Latin1.GetBytes(output.ToString());
    }

    private static bool IsOneOf(string key, string[] names) =>
        Array.Exists(names, name => name.Equals(key, StringComparison.OrdinalIgnoreCase));
}
