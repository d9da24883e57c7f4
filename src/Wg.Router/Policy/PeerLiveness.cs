// `Routes = when-up`: which peers have a live session, decided on the timer thread. A when-up peer that
// is not live is no destination: AllowedIPs lookups fall through to a less specific prefix of another
// peer and ToPeer rules naming it do not match, until it is live again.
using Microsoft.Extensions.Logging;
using WgSharp.Noise;
using WgSharp.Router.Device;

namespace WgSharp.Router.Policy;

internal sealed class PeerLiveness(PeerSender sender, ILogger logger, TimeProvider time, Action<Peer, bool> changed)
{
    /// <summary>
    /// A peer has a live session while it has a current session (Tunnel.HasSession) and an authenticated message
    /// (data, keepalive or handshake) from it arrived within this long. 15 s is KEEPALIVE_TIMEOUT (10 s) plus
    /// REKEY_TIMEOUT (5 s): a probe sent after <see cref="LivenessProbeAfter"/> of silence has had a handshake's
    /// retransmission interval to be answered.
    /// </summary>
    public static readonly TimeSpan LiveSessionTimeout = WireGuardConstants.KeepaliveTimeout + WireGuardConstants.RekeyTimeout;

    /// <summary>
    /// A live when-up peer silent for this long is sent a handshake initiation (its response proves it is there):
    /// a dead peer is noticed about <see cref="LiveSessionTimeout"/> (15-20 s with tick and jitter) after its last
    /// message. While not live, the device initiates a handshake every REKEY_TIMEOUT (the engine retransmits), so a
    /// returning peer is live again within about 5 s.
    /// </summary>
    public static readonly TimeSpan LivenessProbeAfter = WireGuardConstants.KeepaliveTimeout;

    /// <summary>Timer thread: every tick, for each when-up peer, probe or retry a handshake, and publish its live state.</summary>
    public void Update(RouterState? router, Peer[] peers, bool linkUp, byte[] buffer)
    {
        if (router is null || !router.AnyWhenUp)
        {
            return;
        }

        long now = time.GetTimestamp();
        foreach (Peer peer in peers)
        {
            if (!peer.RoutesWhenUp)
            {
                continue;
            }

            long last = peer.LastReceived;
            TimeSpan silent = last == 0 ? TimeSpan.MaxValue : time.GetElapsedTime(last, now);
            bool live = IsLive(peer, now);
            if (linkUp && (!live || silent >= LivenessProbeAfter) && peer.TryGetEndpoint(out _))
            {
                // ForceHandshake does nothing while an attempt is under way (the engine retransmits it every
                // REKEY_TIMEOUT) or within REKEY_TIMEOUT of the last initiation.
                TunnelResult result = peer.Tunnel.ForceHandshake(buffer);
                if (result.Operation == TunnelOperation.WriteToNetwork)
                {
                    DeviceLog.Sending(logger, peer, live ? "handshake initiation (liveness probe)" : "handshake initiation (when-up)");
                    sender.SendControl(peer, result.Packet);
                }
            }

            if (live != peer.ReportedLive)
            {
                peer.ReportedLive = live;
                peer.IsDestination = live;
                DeviceLog.Liveness(logger, peer, live ? "up" : "down");
                changed(peer, live);
            }
        }
    }

    /// <summary>Whether <paramref name="peer"/> has a live session now.</summary>
    public bool IsLive(Peer peer) => IsLive(peer, time.GetTimestamp());

    private bool IsLive(Peer peer, long now)
    {
        long last = peer.LastReceived;
        return last != 0 && peer.Tunnel.HasSession && time.GetElapsedTime(last, now) < LiveSessionTimeout;
    }
}
