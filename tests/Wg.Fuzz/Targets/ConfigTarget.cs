// The configuration file parser (wg-quick format plus the policy sections, every key), as `up`,
// `syncconf` and `strip` read it. Input: the file's bytes (UTF-8).
// Invariants: a file either parses or yields errors (never both, never an exception); each error names a
// line of the file and never repeats a key's value; what parses writes back to a file that parses to the
// same text; the policy it declares maps to a router configuration the device accepts as a whole.
using System.Text;
using WgSharp.Cli.Configuration;
using WgSharp.Router.Configuration;
using WgSharp.Router.Device;

namespace WgSharp.Fuzz.Targets;

internal sealed class ConfigTarget : IFuzzTarget
{
    private static readonly ConfigParserOptions Options = new() { LookupTableName = name => name == "vpn" ? 200u : null };

    public void Run(ReadOnlySpan<byte> input)
    {
        string text = Encoding.UTF8.GetString(input);
        ConfigParseResult result = ConfigParser.Parse(text, "fuzz.conf", Options);
        string[] lines = text.Split('\n');
        int lineCount = lines.Length;
        InvariantException.Check(result.Succeeded == (result.Config is not null), "a result with both a configuration and errors, or neither");
        foreach (ConfigError error in result.Errors.Concat(result.Warnings))
        {
            InvariantException.Check(error.Line >= 0 && error.Line <= lineCount, $"an error names line {error.Line} of {lineCount}");
            CheckNoSecret(error, lines);
        }

        using InterfaceConfig? config = result.Config;
        if (config is null)
        {
            return;
        }

        string written = ConfigWriter.Write(config);
        ConfigParseResult again = ConfigParser.Parse(written, "fuzz.conf", Options);
        InvariantException.Check(again.Succeeded, "a written configuration does not parse: " + string.Join("; ", again.Errors));
        using (InterfaceConfig reparsed = again.Config!)
        {
            InvariantException.Check(ConfigWriter.Write(reparsed) == written, "a configuration does not round-trip through its writer");
        }

        RouterConfiguration router = RouterConfigurationMapper.Map(config, whenUpRouteTable: 200);
        try
        {
            RouterConfigurationValidator.Validate(router);
        }
        catch (ConfigurationException e)
        {
            throw new InvariantException("the parser accepted a policy the device refuses: " + e.Message);
        }
    }

    // Errors are printed and logged: an error about a PrivateKey or PresharedKey line must not quote its value.
    // (Values of other keys are quoted by design; a key pasted into another field is the user's doing.)
    private static void CheckNoSecret(ConfigError error, string[] lines)
    {
        if (error.Line < 1 || error.Line > lines.Length)
        {
            return;
        }
        string line = lines[error.Line - 1];
        int equals = line.IndexOf('=');
        string key = equals > 0 ? line[..equals].Trim() : "";
        if (key is not ("PrivateKey" or "PresharedKey"))
        {
            return;
        }
        string value = line[(equals + 1)..].Trim();
        string message = error.ToString();
        for (int i = 0; i + 8 <= value.Length; i++)
        {
            InvariantException.Check(!message.Contains(value.Substring(i, 8), StringComparison.Ordinal), $"the error about a {key} line quotes its value");
        }
    }
}
