// The configuration file parser (wg-quick format plus the policy sections, every key), as `up`,
// `syncconf` and `strip` read it. Input: the file's bytes (UTF-8).
// Invariants: a file either parses or yields errors (never both, never an exception); each error names a
// line of the file and never repeats a key's value; what parses writes back to a file that parses to the
// same text; the policy it declares maps to a router configuration the device accepts as a whole.
using System.Text;
using WgSharp.Cli.Config;
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
        int lineCount = text.Split('\n').Length;
        InvariantException.Check(result.Succeeded == (result.Config is not null), "a result with both a configuration and errors, or neither");
        foreach (ConfigError error in result.Errors.Concat(result.Warnings))
        {
            InvariantException.Check(error.Line >= 0 && error.Line <= lineCount, $"an error names line {error.Line} of {lineCount}");
            CheckNoSecret(error.ToString(), text);
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

    private static void CheckNoSecret(string message, string text)
    {
        foreach (string line in text.Split('\n'))
        {
            int equals = line.IndexOf('=');
            if (equals > 0 && line[..equals].Trim() is "PrivateKey" or "PresharedKey")
            {
                string value = line[(equals + 1)..].Trim();
                InvariantException.Check(value.Length < 16 || !message.Contains(value, StringComparison.Ordinal), "an error repeats a key");
            }
        }
    }
}
