// InMemoryTun behaves like the kernel TUN where callers can tell: batching, drops, close and deletion.
using WgSharp.Tun.InMemory;

namespace WgSharp.Tun.Tests.InMemory;

public class InMemoryTunTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private static byte[] Ipv4Packet(int length, byte marker)
    {
        byte[] packet = new byte[length];
        packet[0] = 0x45;
        packet[^1] = marker;
        return packet;
    }

    [Fact]
    public void ReadReturnsEveryInjectedPacketInOrderAsOneBatch()
    {
        using var tun = new InMemoryTun();
        for (byte i = 1; i <= 3; i++)
        {
            Assert.True(tun.InjectPacket(Ipv4Packet(20 + i, i)));
        }
        byte[][] buffers = [new byte[100], new byte[100], new byte[100], new byte[100]];
        int[] sizes = new int[4];

        Assert.Equal(3, tun.Read(buffers, sizes, offset: 16));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(21 + i, sizes[i]);
            Assert.Equal(0x45, buffers[i][16]);
            Assert.Equal(i + 1, buffers[i][16 + sizes[i] - 1]);
        }
    }

    [Fact]
    public void WrittenPacketsComeOutFromTheOffset()
    {
        using var tun = new InMemoryTun();
        byte[] buffer = new byte[64];
        Ipv4Packet(30, 9).CopyTo(buffer, 16);
        tun.Write([buffer, buffer], [30, 30], count: 1, offset: 16);

        Assert.True(tun.TryTakeWritten(out byte[] written, Timeout));
        Assert.Equal(Ipv4Packet(30, 9), written);
        Assert.False(tun.TryTakeWritten(out _, TimeSpan.Zero));
    }

    [Fact]
    public void NonIpPacketsAreDroppedLikeTheKernelDoes()
    {
        using var tun = new InMemoryTun();
        byte[] junk = new byte[20];
        junk[0] = 0x15;
        tun.Write([junk], [20], 1, 0);
        Assert.Equal(1, tun.DroppedWrites);
        Assert.Equal(0, tun.WrittenCount);
    }

    [Fact]
    public void PacketsLargerThanTheBufferAreDroppedNotTruncated()
    {
        using var tun = new InMemoryTun();
        tun.InjectPacket(Ipv4Packet(200, 1));
        tun.InjectPacket(Ipv4Packet(40, 2));
        byte[][] buffers = [new byte[100], new byte[100]];
        int[] sizes = new int[2];
        Assert.Equal(1, tun.Read(buffers, sizes, 0));
        Assert.Equal(40, sizes[0]);
        Assert.Equal(1, tun.DroppedReads);
    }

    [Fact]
    public void BoundedQueueRefusesInjectionWhenFull()
    {
        using var tun = new InMemoryTun(capacity: 2);
        Assert.True(tun.InjectPacket(Ipv4Packet(20, 1)));
        Assert.True(tun.InjectPacket(Ipv4Packet(20, 2)));
        Assert.False(tun.InjectPacket(Ipv4Packet(20, 3)));
    }

    [Fact]
    public async Task CloseWakesABlockedReader()
    {
        var tun = new InMemoryTun();
        var reader = Task.Factory.StartNew(() => tun.Read([new byte[100]], new int[1], 0), TaskCreationOptions.LongRunning);
        Thread.Sleep(100);
        Assert.False(reader.IsCompleted);
        tun.Close();
        Assert.Equal(0, await reader.WaitAsync(Timeout));
    }

    [Fact]
    public async Task DeletionIsReportedAndMakesReadThrow()
    {
        using var tun = new InMemoryTun();
        var reader = Task.Factory.StartNew(() => tun.Read([new byte[100]], new int[1], 0), TaskCreationOptions.LongRunning);
        tun.SimulateDeletion();

        var error = await Assert.ThrowsAsync<TunException>(() => reader.WaitAsync(Timeout));
        Assert.Equal(Errno.EBADFD, error.Errno); // EBADFD, as the kernel answers for a deleted TUN
        TunEvent deleted = await tun.Events.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal(TunEventKind.Deleted, deleted.Kind);
        Assert.Throws<TunException>(() => tun.Write([Ipv4Packet(20, 0)], [20], 1, 0));
    }

    [Fact]
    public async Task MtuChangeIsReported()
    {
        using var tun = new InMemoryTun(mtu: 1420);
        tun.SetMtu(1280);
        Assert.Equal(1280, tun.Mtu);
        TunEvent changed = await tun.Events.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal(new TunEvent(TunEventKind.MtuChanged, 1280), changed);
    }

    [Fact]
    public void WriteAfterCloseIsDiscarded()
    {
        var tun = new InMemoryTun();
        tun.Dispose();
        tun.Write([Ipv4Packet(20, 0)], [20], 1, 0);
        Assert.Equal(0, tun.WrittenCount);
        Assert.Equal(0, tun.Read([new byte[10]], new int[1], 0));
    }
}
