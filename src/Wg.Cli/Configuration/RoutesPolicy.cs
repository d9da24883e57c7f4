// WgSharp's [Peer] Routes key: when the kernel routes and rules towards this peer exist.
namespace WgSharp.Cli.Configuration;

internal enum RoutesPolicy
{
    /// <summary>The default: for as long as the interface is up.</summary>
    Always,

    /// <summary>Only while the peer has a live session, so traffic fails over to the next route or rule.</summary>
    WhenUp,
}
