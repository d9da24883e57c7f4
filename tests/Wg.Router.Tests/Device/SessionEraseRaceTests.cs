// The device pipeline against sessions erased under it (§6.3): a rekey, expiry, link down or key change
// while the TUN reader has reserved counters that crypto workers have not sealed yet. Every datagram
// that leaves is checked: none may be sealed under the all-zero key, and the peer opens all of them.
using System.Buffers.Binary;
using WgSharp.Noise;
using WgSharp.Noise.Crypto;
using WgSharp.Noise.Keys;
using WgSharp.Noise.Messages;
using WgSharp.Router.Device;
using WgSharp.Tun.InMemory;

namespace WgSharp.Router.Tests.Device;

public class SessionEraseRaceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public void A_session_erased_between_reservation_and_seal_sends_nothing_and_counts_the_drop()
    {
        using var pair = new TappedPair(clock: null);
        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", 1));
        Assert.True(pair.TunB.TryTakeWritten(out byte[] first, Wait), "no handshake");
        Assert.Equal(1, DevicePair.Marker(first));

        Tunnel tunnel = pair.A.FindTunnel(pair.KeyB.ComputePublicKey())!;
        long transportBefore = pair.TransportSentByA;
        int hooked = 0;
        tunnel.BeforeSealForTests = () =>
        {
            if (Interlocked.Exchange(ref hooked, 1) == 0)
            {
                tunnel.ClearSessions(); // as a concurrent rekey, expiry or link down would
            }
        };

        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", 2));
        Assert.True(SpinWait.SpinUntil(() => pair.A.EngineDrops[DropReason.SessionErased] == 1, Wait), "the drop was not counted");
        Assert.Equal(1, tunnel.Drops[DropReason.SessionErased]);

        // A later packet goes through a new handshake and the same in-order sender: once it has arrived,
        // anything the erased reservation could have sent would have left before it.
        tunnel.BeforeSealForTests = null;
        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", 3));
        // (Within 20 ms of the first the peer refuses the initiation as a flood; the retry comes after REKEY_TIMEOUT.)
        Assert.True(pair.TunB.TryTakeWritten(out byte[] third, TimeSpan.FromSeconds(12)), "no new handshake");
        Assert.Equal(3, DevicePair.Marker(third));
        Assert.Equal(0, pair.TunB.WrittenCount);
        Assert.Equal(transportBefore + 1, pair.TransportSentByA); // only packet 3
        Assert.Equal(0, pair.SealedUnderZeroKey);
        Assert.Equal(0, pair.B.EngineDrops[DropReason.DecryptionFailed]);
    }

    [Fact]
    public void Rekeys_simultaneous_handshakes_and_link_flaps_under_load_never_send_a_packet_the_peer_cannot_open()
    {
        var clock = new ManualClock();
        using var pair = new TappedPair(clock);
        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", -1));
        Assert.True(pair.TunB.TryTakeWritten(out _, Wait), "no handshake");

        using var stop = new CancellationTokenSource();
        long deliveredToB = 0, deliveredToA = 0;
        var threads = new List<Thread>
        {
            new(() => Feed(pair.TunA, "10.0.0.1", "10.0.0.2", stop.Token)),
            new(() => Feed(pair.TunB, "10.0.0.2", "10.0.0.1", stop.Token)),
            new(() => Drain(pair.TunB, ref deliveredToB, stop.Token)),
            new(() => Drain(pair.TunA, ref deliveredToA, stop.Token)),
        };
        threads.ForEach(t => t.Start());

        Tunnel ab = pair.A.FindTunnel(pair.KeyB.ComputePublicKey())!;
        Tunnel ba = pair.B.FindTunnel(pair.KeyA.ComputePublicKey())!;
        var random = new Random(9);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        int events = 0;
        while (DateTime.UtcNow < until)
        {
            switch (random.Next(5))
            {
                case 0:
                    // Past REKEY_AFTER_TIME: the initiator rekeys on its next send, often both sides at once
                    // (simultaneous initiations); past REJECT_AFTER_TIME sessions expire and are erased.
                    clock.Advance(TimeSpan.FromSeconds(random.Next(100, 200)));
                    break;
                case 1:
                    pair.TunA.SetLinkState(up: false);
                    pair.TunA.SetLinkState(up: true);
                    break;
                case 2:
                    pair.TunB.SetLinkState(up: false);
                    pair.TunB.SetLinkState(up: true);
                    break;
                case 3:
                    (random.Next(2) == 0 ? ab : ba).ClearSessions();
                    break;
                default:
                    // Both lose their sessions at once with packets flowing both ways: each side's next
                    // packet starts an initiation, so the two cross (simultaneous handshakes).
                    ab.ClearSessions();
                    ba.ClearSessions();
                    break;
            }

            events++;
            Thread.Sleep(random.Next(1, 15));
        }

        stop.Cancel();
        threads.ForEach(t => t.Join(Wait));

        Assert.True(events > 50, $"only {events} events");
        Assert.True(Interlocked.Read(ref deliveredToB) > 100 && Interlocked.Read(ref deliveredToA) > 100,
            $"too little traffic: {deliveredToB} to B, {deliveredToA} to A");
        Assert.True(pair.TransportSentByA + pair.TransportSentByB > 1000, "too few datagrams checked");
        Assert.Equal(0, pair.SealedUnderZeroKey);
        Assert.Equal(0, pair.A.EngineDrops[DropReason.DecryptionFailed]);
        Assert.Equal(0, pair.B.EngineDrops[DropReason.DecryptionFailed]);
    }

    private static void Feed(InMemoryTun tun, string source, string destination, CancellationToken stop)
    {
        int marker = 0;
        while (!stop.IsCancellationRequested)
        {
            if (!tun.InjectPacket(DevicePair.Udp4(source, destination, marker++, payload: 200)))
            {
                Thread.Yield();
            }
        }
    }

    private static void Drain(InMemoryTun tun, ref long delivered, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (tun.TryTakeWritten(out _, TimeSpan.FromMilliseconds(50)))
            {
                Interlocked.Increment(ref delivered);
            }
        }
    }

    // Two devices (a DevicePair) whose sockets show every datagram sent to a check that it is not sealed under zero keys.
    private sealed class TappedPair : IDisposable
    {
        private readonly DevicePair _pair;

        public TappedPair(TimeProvider? clock)
        {
            _pair = new DevicePair(clock, (name, bind) => new TappedUdpBind(bind, d => Check(d, ref name == "A" ? ref _transportSentByA : ref _transportSentByB)));
        }

        private long _transportSentByA;
        private long _transportSentByB;
        private long _sealedUnderZeroKey;

        public PrivateKey KeyA => _pair.KeyA;

        public PrivateKey KeyB => _pair.KeyB;

        public InMemoryTun TunA => _pair.TunA;

        public InMemoryTun TunB => _pair.TunB;

        public WireGuardDevice A => _pair.A;

        public WireGuardDevice B => _pair.B;

        public long TransportSentByA => Interlocked.Read(ref _transportSentByA);

        public long TransportSentByB => Interlocked.Read(ref _transportSentByB);

        public long SealedUnderZeroKey => Interlocked.Read(ref _sealedUnderZeroKey);

        public void Dispose() => _pair.Dispose();

        private void Check(ReadOnlySpan<byte> datagram, ref long transportSent)
        {
            if (datagram.Length < TransportDataMessage.MinimumSize || datagram[0] != (byte)MessageType.TransportData)
            {
                return;
            }

            Interlocked.Increment(ref transportSent);
            ulong counter = BinaryPrimitives.ReadUInt64LittleEndian(datagram[TransportDataMessage.CounterOffset..]);
            ReadOnlySpan<byte> ciphertext = datagram[TransportDataMessage.HeaderSize..];
            byte[] plaintext = new byte[ciphertext.Length];
            if (TransportAead.Open(new byte[Aead.KeySize], counter, ciphertext, plaintext))
            {
                Interlocked.Increment(ref _sealedUnderZeroKey);
            }
        }
    }
}
