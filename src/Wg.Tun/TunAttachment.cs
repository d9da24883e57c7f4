// Whether a TUN fd still drives a live interface, as answered by TUNGETIFF.
namespace WgSharp.Tun;

internal enum TunAttachment
{
    /// <summary>The interface exists (possibly in another network namespace).</summary>
    Attached,

    /// <summary>The interface was deleted; the fd is orphaned (TUNGETIFF fails with EBADFD).</summary>
    Detached,

    /// <summary>We closed the device ourselves.</summary>
    Closed,
}
