// One thread ticks every peer's timers (ARCHITECTURE.md guideline 7): handshake retries, keepalives,
// rekeys and expiry all come out of Tunnel.UpdateTimers.
using WgSharp.Noise;

namespace WgSharp.Router.Device;

internal sealed partial class WireGuardDevice
{
    private long _timerTicks;

    /// <summary>Timer ticks completed so far: tests wait for ticks instead of sleeping, so "nothing was sent" is
    /// asserted only after the timers have actually run past the moment something would have been.</summary>
    internal long TimerTicks => Interlocked.Read(ref _timerTicks);

    private void TimerLoop()
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(PacketBatch.BufferSize, pinned: true);
        long lastSweep = Environment.TickCount64;
        while (!_stopping.Token.WaitHandle.WaitOne(TickInterval))
        {
            foreach (Peer peer in _linkUp ? _peerList : [])
            {
                TunnelResult result;
                int guard = 0;
                while ((result = peer.Tunnel.UpdateTimers(buffer)).Operation == TunnelOperation.WriteToNetwork && guard++ < 64)
                {
                    if (peer.Tunnel.TakeEndpointSourceReset())
                    {
                        peer.ResetEndpointSource(); // the sticky source may be why the peer does not answer
                    }

                    DeviceLog.Sending(_logger, peer, DescribeTimerDatagram(result.Packet));
                    SendToPeer(peer, result.Packet);
                }
            }

            UpdateLiveness(buffer);

            if (Environment.TickCount64 - lastSweep >= 1000)
            {
                lastSweep = Environment.TickCount64;
                _directory.SweepRateLimiter();
                UpdateUnderLoad();
                _nat?.Tracker.Sweep(RouterNow);
            }

            Interlocked.Increment(ref _timerTicks);
        }
    }

    private static string DescribeTimerDatagram(ReadOnlySpan<byte> datagram) =>
        datagram[0] == 1 ? "handshake initiation" : datagram.Length == 32 ? "keepalive" : "queued packet";
}
