// The queue of packets held during a handshake: plaintext never goes back to the shared pool unzeroed.
using System.Buffers;

namespace WgSharp.Noise.Tests;

public class PacketQueueTests
{
    [Fact]
    public void Every_buffer_goes_back_to_the_pool_zeroed_whether_sent_dropped_or_cleared()
    {
        var pool = new CheckingPool();
        var queue = new PacketQueue(2, pool);
        byte[] secret = Enumerable.Repeat((byte)0xAB, 100).ToArray();

        Assert.True(queue.Enqueue(secret));
        Assert.True(queue.Enqueue(secret));
        Assert.False(queue.Enqueue(secret)); // full: the oldest is dropped
        byte[] destination = new byte[200];
        Assert.Equal(100, queue.TryDequeue(destination));
        Assert.Equal(secret, destination[..100]);
        Assert.Equal(1, queue.Clear());

        Assert.Equal(3, pool.Returned);
        Assert.Equal(0, pool.ReturnedDirty);
    }

    private sealed class CheckingPool : ArrayPool<byte>
    {
        public int Returned { get; private set; }

        public int ReturnedDirty { get; private set; }

        // Bigger than asked, as the shared pool's buckets are: the bytes past the packet must be clean too.
        public override byte[] Rent(int minimumLength) => new byte[minimumLength + 28];

        public override void Return(byte[] array, bool clearArray = false)
        {
            Returned++;
            if (array.AsSpan().IndexOfAnyExcept((byte)0) >= 0)
            {
                ReturnedDirty++;
            }
        }
    }
}
