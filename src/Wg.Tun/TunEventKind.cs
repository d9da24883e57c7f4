// What happened to a TUN interface, as reported through ITunDevice.Events.
namespace WgSharp.Tun;

public enum TunEventKind
{
    /// <summary>The link became administratively up and running (IFF_UP and IFF_RUNNING).</summary>
    Up,

    /// <summary>The link is no longer up and running.</summary>
    Down,

    /// <summary>The interface MTU changed; <see cref="TunEvent.Mtu"/> holds the new value.</summary>
    MtuChanged,

    /// <summary>The interface was deleted: reads and writes now fail. No further events follow.</summary>
    Deleted,

    /// <summary>
    /// The interface was moved to another network namespace (<c>ip link set X netns Y</c>). It keeps working,
    /// but its link changes are no longer visible from here. No further events follow.
    /// </summary>
    MovedToOtherNamespace,
}
