// Pins a batch of managed buffers for one syscall without GC handles, filling the iovec array as it goes.
using WgSharp.Tun.Interop;

namespace WgSharp.Tun;

/// <summary>
/// recvmmsg/sendmmsg need the addresses of many byte[] at once while the GC may run. Instead of a GCHandle per
/// buffer per call, each recursion level holds one buffer in a <c>fixed</c> statement (a pinned local, free to
/// create) and the innermost level runs the syscall, so all buffers stay pinned exactly for its duration.
/// Depth is bounded by the batch size (at most 128 frames).
/// </summary>
internal static unsafe class BufferPinning
{
    internal interface IOperation
    {
        int Run();
    }

    /// <summary>
    /// Pins <c>buffers[first..end)</c>, sets <c>iov[i - first].Base</c> to each buffer plus <paramref name="offset"/>
    /// (lengths are the caller's business), then returns <c>operation.Run()</c>.
    /// </summary>
    public static int Run<TOperation>(byte[][] buffers, int first, int end, int offset, LibC.Iovec* iov,
        ref TOperation operation)
        where TOperation : struct, IOperation
    {
        return PinFrom(buffers, first, first, end, offset, iov, ref operation);
    }

    private static int PinFrom<TOperation>(byte[][] buffers, int first, int index, int end, int offset,
        LibC.Iovec* iov, ref TOperation operation)
        where TOperation : struct, IOperation
    {
        if (index == end)
        {
            return operation.Run();
        }
        fixed (byte* p = buffers[index])
        {
            iov[index - first].Base = p + offset;
            return PinFrom(buffers, first, index + 1, end, offset, iov, ref operation);
        }
    }
}
