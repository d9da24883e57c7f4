// PacketBatchPool: batches are made as traffic needs them, up to the limit, and reused before new
// ones are made; a light stream of packets keeps two a direction.
using WgSharp.Router.Device;

namespace WgSharp.Router.Tests.Device;

public class PacketBatchPoolTests
{
    [Fact]
    public void Nothing_is_made_until_a_batch_is_taken()
    {
        var pool = new PacketBatchPool(limit: 6, batchCapacity: 4, isInbound: false);
        Assert.Equal(0, pool.Created);
        Assert.True(pool.TryReadBlocking(out PacketBatch batch));
        Assert.Equal(1, pool.Created);
        Assert.Equal(4, batch.Capacity);
        Assert.False(batch.IsInbound);
    }

    [Fact]
    public void A_light_stream_reuses_two_batches()
    {
        // The reader holds one batch while the previous one is processed and returned, packet after packet.
        var pool = new PacketBatchPool(limit: 6, batchCapacity: 4, isInbound: true);
        Assert.True(pool.TryReadBlocking(out PacketBatch held));
        for (int packet = 0; packet < 100; packet++)
        {
            PacketBatch inFlight = held;
            Assert.True(pool.TryReadBlocking(out held));
            Assert.True(pool.TryWrite(inFlight));
        }

        Assert.Equal(2, pool.Created);
    }

    [Fact]
    public async Task Under_load_it_grows_to_the_limit_then_waits_for_a_return()
    {
        var pool = new PacketBatchPool(limit: 3, batchCapacity: 4, isInbound: false);
        var taken = new List<PacketBatch>();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(pool.TryReadBlocking(out PacketBatch batch));
            taken.Add(batch);
        }

        Assert.Equal(3, taken.Distinct().Count());
        Task<PacketBatch> waiting = Task.Run(() => pool.TryReadBlocking(out PacketBatch next) ? next : throw new InvalidOperationException());
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);
        Assert.True(pool.TryWrite(taken[1]));
        Assert.Same(taken[1], await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(3, pool.Created);
    }

    [Fact]
    public void Once_completed_it_drains_and_then_refuses()
    {
        var pool = new PacketBatchPool(limit: 3, batchCapacity: 4, isInbound: false);
        Assert.True(pool.TryReadBlocking(out PacketBatch batch));
        Assert.True(pool.TryWrite(batch));
        pool.Complete();
        Assert.True(pool.TryReadBlocking(out PacketBatch drained));
        Assert.Same(batch, drained);
        Assert.False(pool.TryReadBlocking(out _));
        Assert.Equal(1, pool.Created);
        Assert.False(pool.TryWrite(batch));
    }
}
