// One change of a TUN interface's state, delivered on ITunDevice.Events.
namespace WgSharp.Tun;

/// <summary>A link event; <paramref name="Mtu"/> is the interface MTU known when it was raised.</summary>
public readonly record struct TunEvent(TunEventKind Kind, int Mtu);
