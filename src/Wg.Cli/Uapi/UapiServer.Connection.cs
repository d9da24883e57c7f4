// One UAPI connection: any number of `get=1` / `set=1` operations (and wgsharp's own, see
// UapiServer.Router.cs) until end of stream, each answered with "errno=N\n\n" (wireguard-go
// device/uapi.go IpcHandle). An unknown operation closes the connection without a reply, as wireguard-go does.
using System.Net.Sockets;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Uapi;

internal sealed partial class UapiServer
{
    private async Task ServeConnectionAsync(Socket socket, CancellationToken cancellationToken)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        using var reader = new UapiLineReader(stream, MaxLineLength);
        using var reply = new SecretBuffer();
        try
        {
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) == UapiReadStatus.Line)
            {
                bool keepOpen;
                if (reader.Line.SequenceEqual("get=1"u8))
                {
                    keepOpen = await GetAsync(stream, reader, reply, cancellationToken).ConfigureAwait(false);
                }
                else if (reader.Line.SequenceEqual("set=1"u8))
                {
                    keepOpen = await SetAsync(stream, reader, reply, cancellationToken).ConfigureAwait(false);
                }
                else if (_router is not null && reader.Line.SequenceEqual("wgsharp-set=1"u8))
                {
                    keepOpen = await RouterSetAsync(stream, reader, reply, cancellationToken).ConfigureAwait(false);
                }
                else if (_router is not null && reader.Line.SequenceEqual("wgsharp-get=1"u8))
                {
                    keepOpen = await RouterGetAsync(stream, reader, reply, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    Log("closed a connection that sent an unknown operation");
                    keepOpen = false;
                }

                if (!keepOpen)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // The client went away mid-operation; nothing to answer.
        }
    }

    private async Task<bool> GetAsync(NetworkStream stream, UapiLineReader reader, SecretBuffer reply, CancellationToken cancellationToken)
    {
        UapiReadStatus status = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (status == UapiReadStatus.EndOfStream)
        {
            return false;
        }

        if (status == UapiReadStatus.LineTooLong || reader.Line.Length != 0)
        {
            // A get is "get=1" and one blank line; anything else after it is refused (and, being out of
            // step with the client, the connection is closed).
            await ReplyAsync(stream, reply, ConfigurationErrno.InvalidArgument, cancellationToken).ConfigureAwait(false);
            return false;
        }

        DeviceSnapshot snapshot;
        int errno = 0;
        await _operationLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            snapshot = _device.GetSnapshot();
        }
        catch (Exception e)
        {
            snapshot = null!;
            errno = ErrnoOf(e, "get");
        }
        finally
        {
            _operationLock.Release(); // before any socket I/O: a slow client must not hold up the others
        }

        if (errno != 0)
        {
            await ReplyAsync(stream, reply, errno, cancellationToken).ConfigureAwait(false);
            return true;
        }

        using (snapshot)
        {
            reply.Clear();
            UapiGetWriter.Write(snapshot, reply);
        }

        reply.Write("errno=0\n\n"u8);
        await stream.WriteAsync(reply.WrittenMemory, cancellationToken).ConfigureAwait(false);
        reply.Clear();
        return true;
    }

    private async Task<bool> SetAsync(NetworkStream stream, UapiLineReader reader, SecretBuffer reply, CancellationToken cancellationToken)
    {
        using var parser = new UapiSetParser();
        long requestBytes = 0;
        while (true)
        {
            UapiReadStatus status = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (status == UapiReadStatus.EndOfStream)
            {
                // No blank line, so the request may be cut short: apply nothing (the client is gone anyway).
                Log("set request ended before its blank line; nothing applied");
                return false;
            }

            requestBytes += reader.Line.Length + 1;
            if (status == UapiReadStatus.LineTooLong || requestBytes > MaxRequestBytes)
            {
                Log(status == UapiReadStatus.LineTooLong
                    ? $"refused a set request with a line over {MaxLineLength} bytes"
                    : $"refused a set request over {MaxRequestBytes} bytes");
                await ReplyAsync(stream, reply, ConfigurationErrno.MessageTooLong, cancellationToken).ConfigureAwait(false);
                return false;
            }

            if (IsBlank(reader.Line))
            {
                break;
            }

            FeedLine(parser, reader.Line);
        }

        int errno = parser.Errno;
        if (errno != 0)
        {
            Log($"refused a set request (errno {errno}): {parser.ErrorMessage}");
        }
        else
        {
            using DeviceUpdate update = parser.TakeUpdate();
            await _operationLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                _device.Apply(update);
            }
            catch (Exception e)
            {
                errno = ErrnoOf(e, "set");
            }
            finally
            {
                _operationLock.Release();
            }
        }

        await ReplyAsync(stream, reply, errno, cancellationToken).ConfigureAwait(false);
        return true;
    }

    // bufio.Scanner (which wireguard-go reads set lines with) drops a '\r' before the '\n'.
    private static bool IsBlank(ReadOnlySpan<byte> line) => line.IsEmpty || (line.Length == 1 && line[0] == (byte)'\r');

    private static void FeedLine(UapiSetParser parser, ReadOnlySpan<byte> line)
    {
        if (line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        // Latin-1 widening keeps byte values, so any byte above 0x7F fails validation as it should.
        Span<char> chars = stackalloc char[line.Length];
        for (int i = 0; i < line.Length; i++)
        {
            chars[i] = (char)line[i];
        }

        parser.AddLine(chars);
        chars.Clear();
    }

    private int ErrnoOf(Exception e, string operation)
    {
        if (e is ConfigurationException configuration)
        {
            Log($"{operation} failed (errno {configuration.Errno}): {configuration.Message}");
            return configuration.Errno;
        }

        // A device bug, not the client's fault; answered as wireguard-go answers errors it did not expect.
        Log($"{operation} failed unexpectedly: {e.GetType().Name}: {e.Message}");
        return ConfigurationErrno.Unknown;
    }

    private static async Task ReplyAsync(NetworkStream stream, SecretBuffer reply, int errno, CancellationToken cancellationToken)
    {
        reply.Clear();
        reply.WriteAscii($"errno={errno}\n\n");
        await stream.WriteAsync(reply.WrittenMemory, cancellationToken).ConfigureAwait(false);
        reply.Clear();
    }
}
