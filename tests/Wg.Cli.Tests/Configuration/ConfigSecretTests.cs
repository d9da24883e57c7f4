// No error or warning ever repeats a private key: files whose PrivateKey line is corrupted in random
// ways (characters changed, dropped, added, the key name misspelt, the '=' lost, the line moved to
// another section or before any section) are parsed, and no message contains any 8 characters of the key.
using FsCheck;
using FsCheck.Fluent;
using WgSharp.Cli.Configuration;
using static WgSharp.Cli.Tests.Config.ConfigTestKeys;

namespace WgSharp.Cli.Tests.Config;

public class ConfigSecretTests
{
    private const string Base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private static Gen<string> RandomKey =>
        Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 32).Select(Convert.ToBase64String);

    private static Gen<char> NoiseChar => Gen.Elements("#=!,;:/[] \t-_.é\u0001xyzQ9+".ToCharArray());

    // One corruption of the key text itself.
    private static Gen<Func<string, string>> KeyCorruption => Gen.OneOf(
        Gen.Choose(0, 43).SelectMany(i => NoiseChar.Select(c => (Func<string, string>)(k => k[..i] + c + k[(i + 1)..]))),
        Gen.Choose(0, 43).Select(i => (Func<string, string>)(k => k.Remove(i, 1))),
        Gen.Choose(0, 44).SelectMany(i => NoiseChar.Select(c => (Func<string, string>)(k => k.Insert(i, c.ToString())))),
        Gen.Choose(1, 43).Select(n => (Func<string, string>)(k => k[..n])),
        Gen.Constant((Func<string, string>)(k => k.TrimEnd('='))),
        Gen.Constant((Func<string, string>)(k => k + k)),
        Gen.Constant((Func<string, string>)(k => k[..42] + Base64Alphabet[(Base64Alphabet.IndexOf(k[42]) + 1) % 64] + "=")),
        Gen.Constant((Func<string, string>)(k => k.Replace('+', '-').Replace('/', '_'))), // base64url
        Gen.Constant((Func<string, string>)(k => k)));

    // One way of writing the line around the (corrupted) key.
    private static Gen<Func<string, string>> LineShape => Gen.Elements<Func<string, string>>(
        k => $"PrivateKey = {k}",
        k => $"PrivatKey = {k}",
        k => $"Private_Key = {k}",
        k => $"PrivateKey : {k}",
        k => $"PrivateKey {k}",
        k => $"PrivateKey == {k}",
        k => k,
        k => $"{k} = PrivateKey",
        k => $"[{k}]",
        k => $"PrivateKey = \"{k}\"",
        k => $"PrivateKey = {k} extra",
        k => $"PrivateKey = {k}, {k}",
        k => $"{k}:{k}");

    private static Gen<Func<string, string>> Placement => Gen.Elements<Func<string, string>>(
        line => $"[Interface]\n{line}\nListenPort = 1\n",
        line => $"{line}\n[Interface]\n",
        line => $"[Interface]\n[Peer]\nPublicKey = {PublicBase64(1)}\n{line}\n",
        line => $"[Interface]\n[Rule]\n{line}\n",
        line => $"[Interface]\n[Forward]\n{line}\n",
        line => $"[Interface]\n[Unknown]\n{line}\n");

    [Fact]
    public void Corrupted_private_key_lines_never_leak_the_key()
    {
        Gen<(string Key, string File)> cases =
            from key in RandomKey
            from corrupt in KeyCorruption
            from shape in LineShape
            from place in Placement
            select (key, place(shape(corrupt(key))));
        int withErrors = 0;
        Property property = Prop.ForAll(Arb.From(cases), c =>
        {
            ConfigParseResult result = ConfigParser.Parse(c.File, "wg3.conf", Options);
            result.Config?.Dispose();
            withErrors += result.Succeeded ? 0 : 1;
            foreach (ConfigError message in result.Errors.Concat(result.Warnings))
            {
                string text = message.ToString();
                for (int i = 0; i + 8 <= c.Key.Length; i++)
                {
                    if (text.Contains(c.Key.AsSpan(i, 8), StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException($"'{text}' repeats part of the key in:\n{c.File}");
                    }
                }
            }
        });
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(5000), property);
        Assert.True(withErrors > 4000, $"only {withErrors} of the files had errors"); // the corruptions do corrupt
    }

    [Fact]
    public void Keys_in_other_keys_values_are_not_quoted()
    {
        string key = PrivateBase64(4);
        foreach (string line in (string[])[$"ListenPort = {key}", $"FwMark = {key}", $"Address = {key}", $"DNS = {key}",
            $"MTU = {key}", $"Table = {key}", $"SaveConfig = {key}", $"MssClamp = {key}"])
        {
            string error = Assert.Single(Errors($"{Interface}{line}\n"));
            Assert.Contains("(a value that looks like a key)", error);
            Assert.DoesNotContain(key[..8], error);
        }
    }
}
