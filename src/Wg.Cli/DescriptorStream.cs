// A stream straight over a file descriptor: every Read and Write is one read(2)/write(2) at the
// kernel's file offset. A FileStream keeps its own position and writes with pwrite at it, so in
// `(echo before; wgsharp --version; echo after) > f` it would overwrite what the shell wrote before.
using WgSharp.Cli.Interop;
using WgSharp.Tun;

namespace WgSharp.Cli;

internal sealed unsafe class DescriptorStream(int fd, FileAccess access) : Stream
{
    public override bool CanRead => access.HasFlag(FileAccess.Read);

    public override bool CanWrite => access.HasFlag(FileAccess.Write);

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!CanRead)
        {
            throw new NotSupportedException("the descriptor was opened for writing");
        }

        if (buffer.IsEmpty)
        {
            return 0;
        }

        fixed (byte* pointer = buffer)
        {
            while (true)
            {
                nint read = Libc.read(fd, pointer, (nuint)buffer.Length);
                if (read >= 0)
                {
                    return (int)read;
                }

                WaitOrThrow(Libc.PollIn, "read from");
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (!CanWrite)
        {
            throw new NotSupportedException("the descriptor was opened for reading");
        }

        fixed (byte* start = buffer)
        {
            // write(2) may take less than all of it (a pipe near full, a signal): go on from where it stopped.
            byte* pointer = start;
            nuint left = (nuint)buffer.Length;
            while (left > 0)
            {
                nint written = Libc.write(fd, pointer, left);
                if (written >= 0)
                {
                    pointer += written;
                    left -= (nuint)written;
                    continue;
                }

                WaitOrThrow(Libc.PollOut, "write to");
            }
        }
    }

    public override void Flush()
    {
        // Nothing is buffered here.
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    // EINTR: retry. EAGAIN: the descriptor was inherited non-blocking; wait until it is ready.
    // Anything else (EPIPE above all) is an IOException whose HResult is the errno, as FileStream's are.
    private void WaitOrThrow(short events, string verb)
    {
        Errno errno = Libc.LastErrno;
        if (errno == Errno.EINTR)
        {
            return;
        }

        if (errno == Errno.EAGAIN)
        {
            Libc.PollFd poll = new() { Fd = fd, Events = events };
            Libc.poll(&poll, 1, -1);
            return;
        }

        throw new IOException($"could not {verb} descriptor {fd}: {errno.Describe()}", (int)errno);
    }
}
