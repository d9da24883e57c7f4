// BenchmarkDotNet suite for the anti-replay window: the per-packet pre-check plus mark, in order and reordered.
using BenchmarkDotNet.Attributes;
using WgSharp.Noise;

namespace WgSharp.Bench;

[MemoryDiagnoser]
public class ReplayWindowBenchmarks
{
    private const int Batch = 4096;

    private readonly ReplayWindow _window = new();
    private ulong[] _reorderedOffsets = [];
    private ulong _base;

    [GlobalSetup]
    public void Setup()
    {
        // Offsets 0..Batch-1 shuffled within chunks of 32: the reordering parallel decryption workers produce.
        var offsets = new ulong[Batch];
        for (var i = 0; i < Batch; i++)
        {
            offsets[i] = (ulong)i;
        }

        var rng = new Random(42);
        for (var i = 0; i < Batch; i += 32)
        {
            rng.Shuffle(offsets.AsSpan(i, 32));
        }

        _reorderedOffsets = offsets;

        // Counters 0..Batch-1 start out seen, for DuplicateRejected.
        for (var i = 0UL; i < Batch; i++)
        {
            _window.TryMarkSeen(i);
        }

        _base = Batch;
    }

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    public int InOrderAccept()
    {
        var accepted = 0;
        var start = _base;
        for (var i = 0UL; i < Batch; i++)
        {
            var counter = start + i;
            if (_window.IsAcceptable(counter) && _window.TryMarkSeen(counter))
            {
                accepted++;
            }
        }

        _base = start + Batch;
        return accepted;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int ReorderedAccept()
    {
        var accepted = 0;
        var start = _base;
        foreach (var offset in _reorderedOffsets)
        {
            var counter = start + offset;
            if (_window.IsAcceptable(counter) && _window.TryMarkSeen(counter))
            {
                accepted++;
            }
        }

        _base = start + Batch;
        return accepted;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int DuplicateRejected()
    {
        // Replays of counters marked in setup (this benchmark never advances the window): only the lock-free
        // pre-check runs, and it finds each counter's bit set.
        var rejected = 0;
        for (var i = 0UL; i < Batch; i++)
        {
            if (!_window.IsAcceptable(i))
            {
                rejected++;
            }
        }

        return rejected;
    }
}
