// Where a packet must come from for a rule to apply to it.
namespace WgSharp.Router.Policy;

internal enum PolicyInputKind : byte
{
    /// <summary>From the local side (read from the TUN device): "Input = tun", the config's default.</summary>
    Local,

    /// <summary>Decrypted from one given peer: "Input = &lt;peer name&gt;".</summary>
    Peer,

    /// <summary>Either direction, from anywhere (not expressible in the config file yet).</summary>
    Any,
}
