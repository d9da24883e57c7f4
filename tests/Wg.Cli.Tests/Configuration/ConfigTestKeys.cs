// Base64 keys and small helpers for the configuration file tests.
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Tests.Support;
using WgSharp.Noise.Keys;

namespace WgSharp.Cli.Tests.Config;

internal static class ConfigTestKeys
{
    public static string PrivateBase64(int seed)
    {
        using PrivateKey key = PrivateKey.FromBytes(TestKeys.Private(seed));
        return key.ExportBase64();
    }

    /// <summary>The public key of <see cref="PrivateBase64"/> with the same seed.</summary>
    public static string PublicOfPrivate(int seed)
    {
        using PrivateKey key = PrivateKey.FromBytes(TestKeys.Private(seed));
        return key.ComputePublicKey().ToBase64();
    }

    public static string PublicBase64(int seed) => TestKeys.Public(seed).ToBase64();

    public static string PresharedBase64(int seed) => Convert.ToBase64String(TestKeys.Bytes(seed + 500));

    /// <summary>Table names for tests: "vpn" is 200, nothing else is known beyond the reserved names.</summary>
    public static readonly ConfigParserOptions Options = new()
    {
        LookupTableName = name => name switch { "vpn" => 200, "main" => 254, _ => null },
    };

    public static ConfigParseResult Parse(string text, string file = "wg3.conf") => ConfigParser.Parse(text, file, Options);

    /// <summary>Parses a file that must be valid (the test fails with its errors otherwise).</summary>
    public static InterfaceConfig ParseValid(string text)
    {
        ConfigParseResult result = Parse(text);
        Assert.True(result.Succeeded, string.Join('\n', result.Errors));
        return result.Config!;
    }

    /// <summary>The errors of a file that must be invalid, as "file:line: message" strings.</summary>
    public static string[] Errors(string text)
    {
        ConfigParseResult result = Parse(text);
        Assert.False(result.Succeeded, "expected errors");
        Assert.Null(result.Config);
        return [.. result.Errors.Select(e => e.ToString())];
    }

    /// <summary>A minimal valid [Interface] section (line 1 and 2).</summary>
    public static string Interface => $"[Interface]\nPrivateKey = {PrivateBase64(1)}\n";
}
