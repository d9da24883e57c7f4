// A Curve25519 key pair in wg's base64 form, with the private key also in a 0600 file for `wg set`.
namespace WgSharp.Interop.Tests.Harness;

internal sealed record KeyPair(string PrivateKey, string PublicKey, string PrivateKeyFile)
{
    public override string ToString() => $"KeyPair {{ PublicKey = {PublicKey} }}";
}
