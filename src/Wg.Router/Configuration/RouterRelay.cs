// Where a packet decrypted from one peer goes when its destination belongs to another peer and no rule
// decides: `Relay = kernel|userspace` in [Interface].
namespace WgSharp.Router.Configuration;

public enum RouterRelay
{
    /// <summary>
    /// To the TUN, as kernel WireGuard and wireguard-go do: the kernel forwards it (it needs ip_forward) through its
    /// FORWARD chain and the filters there, and routes it back into the interface. The default.
    /// </summary>
    Kernel,

    /// <summary>Straight to the owning peer, never through the kernel: no ip_forward needed, no FORWARD chain seen.</summary>
    Userspace,
}
