// The device reads one clock, the TimeProvider it was given: a test moving a ManualClock drives the
// rate limit of the ICMP errors it originates, as it drives the engine's timers and conntrack.
namespace WgSharp.Router.Tests.Device;

public sealed class DeviceClockTests
{
    private const int IcmpBurst = 20;

    [Fact]
    public void Unreachable_answers_refill_by_the_devices_clock_only()
    {
        var clock = new ManualClock();
        using var pair = new DevicePair(clock);

        // More packets to an address no peer owns than the burst: the burst is answered, the rest is not, however
        // long the test takes in real time.
        for (int i = 0; i < IcmpBurst + 10; i++)
        {
            Assert.True(pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.9.9.9", i)));
        }

        Assert.Equal(IcmpBurst, CountAnswers(pair));
        Thread.Sleep(300);
        Assert.True(pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.9.9.9", -1)));
        Assert.Equal(0, CountAnswers(pair));

        // A second of the device's clock refills the whole burst at once.
        clock.Advance(TimeSpan.FromSeconds(1));
        for (int i = 0; i < IcmpBurst; i++)
        {
            Assert.True(pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.9.9.9", i)));
        }

        Assert.Equal(IcmpBurst, CountAnswers(pair));
    }

    private static int CountAnswers(DevicePair pair)
    {
        int answers = 0;
        while (pair.TunA.TryTakeWritten(out byte[] packet, RouterMesh.Quiet))
        {
            Assert.Equal(1, packet[9]); // ICMP
            answers++;
        }

        return answers;
    }
}
