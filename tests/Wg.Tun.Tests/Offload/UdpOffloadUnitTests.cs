// The pure parts of UDP offloads: grouping a send batch into GSO runs (UdpGsoRuns), cutting coalesced receives
// into datagrams across calls (UdpGroBuffer), and the WGSHARP_OFFLOADS switch.
using WgSharp.Tun.Offload;

namespace WgSharp.Tun.Tests.Offload;

public class UdpOffloadUnitTests
{
    private static int[] Runs(int[] sizes, int maxSegments = 64, int maxBytes = 65507, int refused = 0)
    {
        var runs = new List<int>();
        for (int i = 0; i < sizes.Length;)
        {
            int run = UdpGsoRuns.Length(sizes, i, sizes.Length, maxSegments, maxBytes, refused);
            Assert.InRange(run, 1, sizes.Length - i);
            runs.Add(run);
            i += run;
        }
        return [.. runs];
    }

    [Fact]
    public void EqualSizesFormOneRunEndedByAShorterOne()
    {
        Assert.Equal([4], Runs([100, 100, 100, 60]));
        Assert.Equal([3, 1], Runs([100, 100, 60, 60]));   // nothing after the short one
        Assert.Equal([2, 2], Runs([100, 100, 200, 200])); // a larger one starts a new run
        Assert.Equal([1, 1, 1], Runs([100, 0, 100]));     // empty datagrams go alone
    }

    [Fact]
    public void RunsRespectSegmentByteAndRefusedLimits()
    {
        Assert.Equal([64, 6], Runs(Enumerable.Repeat(10, 70).ToArray()));
        Assert.Equal([45, 5], Runs(Enumerable.Repeat(1452, 50).ToArray())); // 45 * 1452 = 65340 <= 65507 < 46 * 1452
        Assert.Equal([1, 1, 3], Runs([1452, 1452, 500, 500, 500], refused: 1400));
        Assert.Equal([2], Runs([10, 10], maxSegments: 2));
    }

    [Fact]
    public void CoalescedReceivesAreCutAcrossCallsInOrder()
    {
        var gro = new UdpGroBuffer();
        gro.EnsureAllocated();
        UdpEndpoint a = UdpEndpoint.Parse("10.0.0.1:1");
        UdpEndpoint b = UdpEndpoint.Parse("10.0.0.2:2");
        // Message 0: 5 datagrams of 3 bytes and one of 2 (coalesced); message 1: one datagram of 4 bytes.
        for (int k = 0; k < 17; k++)
        {
            gro.Messages[0][k] = (byte)k;
        }
        gro.Lengths[0] = 17;
        gro.SegmentSizes[0] = 3;
        gro.Endpoints[0] = a;
        gro.Messages[1].AsSpan(0, 4).Fill(9);
        gro.Lengths[1] = 4;
        gro.SegmentSizes[1] = 0;
        gro.Endpoints[1] = b;
        gro.Load(2);
        Assert.Equal(1, gro.Coalesced);

        byte[][] buffers = [new byte[20], new byte[20], new byte[20], new byte[20]];
        int[] sizes = new int[4];
        var endpoints = new UdpEndpoint[4];
        long dropped = 0;
        var datagrams = new List<(byte[], UdpEndpoint)>();
        while (gro.HasPending)
        {
            int n = gro.Drain(buffers, sizes, endpoints, 16, 0, 4, ref dropped);
            datagrams.AddRange(Enumerable.Range(0, n).Select(i => (buffers[i].AsSpan(16, sizes[i]).ToArray(), endpoints[i])));
        }
        Assert.Equal(0, dropped);
        Assert.Equal(7, datagrams.Count);
        Assert.Equal([0, 1, 2], datagrams[0].Item1);
        Assert.Equal([15, 16], datagrams[5].Item1);
        Assert.Equal([9, 9, 9, 9], datagrams[6].Item1);
        Assert.All(datagrams.Take(6), d => Assert.Equal(a, d.Item2));
        Assert.Equal(b, datagrams[6].Item2);
    }

    [Fact]
    public void ACoalescedMessageThatDoesNotFitBehindOthersWaitsWholeForTheNextCall()
    {
        var gro = new UdpGroBuffer();
        gro.EnsureAllocated();
        for (int m = 0; m < 3; m++)
        {
            gro.Messages[m].AsSpan(0, 30).Fill((byte)m);
            gro.Lengths[m] = 30;
            gro.SegmentSizes[m] = 10; // three datagrams each
        }
        gro.Load(3);
        byte[][] buffers = Enumerable.Range(0, 5).Select(_ => new byte[32]).ToArray();
        int[] sizes = new int[5];
        var endpoints = new UdpEndpoint[5];
        long dropped = 0;

        Assert.Equal(3, gro.Drain(buffers, sizes, endpoints, 0, 0, 5, ref dropped)); // the second would not fit whole
        Assert.Equal(0, buffers[2][0]);
        Assert.Equal(3, gro.Drain(buffers, sizes, endpoints, 0, 0, 5, ref dropped));
        Assert.Equal(1, buffers[0][0]);
        Assert.Equal(3, gro.Drain(buffers, sizes, endpoints, 0, 0, 5, ref dropped));
        Assert.Equal(2, buffers[2][0]);
        Assert.False(gro.HasPending);

        // A message larger than the whole batch is still cut, starting at the front of a batch.
        gro.Lengths[0] = 80;
        gro.SegmentSizes[0] = 10;
        gro.Load(1);
        Assert.Equal(5, gro.Drain(buffers, sizes, endpoints, 0, 0, 5, ref dropped));
        Assert.Equal(3, gro.Drain(buffers, sizes, endpoints, 0, 0, 5, ref dropped));
        Assert.Equal(0, dropped);
    }

    [Fact]
    public void ADatagramLargerThanTheCallersBufferIsDropped()
    {
        var gro = new UdpGroBuffer();
        gro.EnsureAllocated();
        gro.Lengths[0] = 30;
        gro.SegmentSizes[0] = 10;
        gro.Lengths[1] = 3;
        gro.Load(2);
        byte[][] buffers = [new byte[16 + 5], new byte[16 + 5]];
        long dropped = 0;
        int n = gro.Drain(buffers, new int[2], new UdpEndpoint[2], 16, 0, 2, ref dropped);
        Assert.Equal(1, n);
        Assert.Equal(3, dropped);
        Assert.False(gro.HasPending);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("1", true)]
    [InlineData("on", true)]
    [InlineData("0", false)]
    [InlineData(" OFF ", false)]
    [InlineData("false", false)]
    [InlineData("no", false)]
    public void OffloadSwitchIsOnUnlessSaidOff(string? value, bool enabled) => Assert.Equal(enabled, OffloadSettings.Parse(value));
}
