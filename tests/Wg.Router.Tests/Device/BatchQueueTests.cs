// BatchQueue, the pipeline's hand-off between threads: order, blocking and waking, completion.
using WgSharp.Router.Device;

namespace WgSharp.Router.Tests.Device;

public class BatchQueueTests
{
    [Fact]
    public void ItemsComeOutInOrder()
    {
        var queue = new BatchQueue<string>(2);
        foreach (string s in new[] { "a", "b", "c" })
        {
            Assert.True(queue.TryWrite(s));
        }
        Assert.Equal(3, queue.Count);
        Assert.True(queue.TryReadBlocking(out string first));
        Assert.True(queue.TryReadBlocking(out string second));
        Assert.True(queue.TryReadBlocking(out string third));
        Assert.Equal(["a", "b", "c"], new[] { first, second, third });
    }

    [Fact]
    public async Task ABlockedReaderWakesForAWrite()
    {
        var queue = new BatchQueue<string>(1);
        var reader = Task.Factory.StartNew(() => queue.TryReadBlocking(out string item) ? item : null, TaskCreationOptions.LongRunning);
        await Task.Delay(100);
        Assert.False(reader.IsCompleted);
        queue.TryWrite("x");
        Assert.Equal("x", await reader.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task CompletionDrainsThenWakesEveryReader()
    {
        var queue = new BatchQueue<string>(1);
        queue.TryWrite("left");
        queue.Complete();
        Assert.False(queue.TryWrite("late"));
        Assert.True(queue.TryReadBlocking(out string item));
        Assert.Equal("left", item);
        Assert.False(queue.TryReadBlocking(out _));

        var blocked = new BatchQueue<string>(1);
        Task<bool>[] readers = Enumerable.Range(0, 3)
            .Select(_ => Task.Factory.StartNew(() => blocked.TryReadBlocking(out string _), TaskCreationOptions.LongRunning))
            .ToArray();
        await Task.Delay(100);
        blocked.Complete();
        Assert.All(await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(10)), Assert.False);
    }

    [Fact]
    public async Task ManyWritersAndReadersLoseNothing()
    {
        var queue = new BatchQueue<object>(8);
        const int PerWriter = 20_000;
        var seen = new System.Collections.Concurrent.ConcurrentBag<object>();
        Task[] readers = Enumerable.Range(0, 3).Select(_ => Task.Factory.StartNew(() =>
        {
            while (queue.TryReadBlocking(out object item))
            {
                seen.Add(item);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        Task[] writers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < PerWriter; i++)
            {
                queue.TryWrite(new object());
            }
        })).ToArray();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30));
        queue.Complete();
        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3 * PerWriter, seen.Count);
    }
}
