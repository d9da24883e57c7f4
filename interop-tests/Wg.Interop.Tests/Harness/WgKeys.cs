// Key material from the stock tools (`wg genkey`, `wg pubkey`, `wg genpsk`), as a real deployment makes it.
namespace WgSharp.Interop.Tests.Harness;

internal static class WgKeys
{
    public static async Task<KeyPair> GenerateKeyPairAsync()
    {
        var privateKey = (await ProcessRunner.RunCheckedAsync(["wg", "genkey"]).ConfigureAwait(false)).StandardOutput.Trim();
        var file = TempFiles.WriteSecret("private", privateKey + "\n");
        var publicKey = (await ProcessRunner.RunCheckedAsync(["sh", "-c", "wg pubkey < " + ShellQuote.Word(file)])
            .ConfigureAwait(false)).StandardOutput.Trim();
        return new KeyPair(privateKey, publicKey, file);
    }

    /// <summary>A fresh preshared key and the 0600 file holding it.</summary>
    public static async Task<(string Key, string File)> GeneratePresharedKeyAsync()
    {
        var key = (await ProcessRunner.RunCheckedAsync(["wg", "genpsk"]).ConfigureAwait(false)).StandardOutput.Trim();
        return (key, TempFiles.WriteSecret("psk", key + "\n"));
    }
}
