// The wgsharp extension of the UAPI protocol, served next to get=1 and set=1 on the same socket (the
// stock `wg` never sends these operations; wireguard-go, which does not know them, closes the connection):
//   wgsharp-set=1 \n <router configuration lines> \n \n      answered errno=N and a blank line, after
//                                                            message=<percent-encoded reason> when N is not 0
//   wgsharp-get=1 \n [max_flows=N \n] \n                     answered with the configuration in force,
//                                                            snapshot=1, the snapshot, errno=N, a blank line
// The formats are RouterConfigurationParser's and RouterSnapshotParser's. A refused request changes
// nothing; why it was refused goes to the log.
using System.Net.Sockets;
using System.Text;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Uapi;

internal sealed partial class UapiServer
{
    /// <summary>Most flows a wgsharp-get reply lists, whatever max_flows asks for.</summary>
    public const int MaxFlowsPerReply = 65536;

    private async Task<bool> RouterSetAsync(NetworkStream stream, UapiLineReader reader, SecretBuffer reply, CancellationToken cancellationToken)
    {
        var parser = new RouterConfigurationParser();
        long requestBytes = 0;
        while (true)
        {
            UapiReadStatus status = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (status == UapiReadStatus.EndOfStream)
            {
                Log("wgsharp-set request ended before its blank line; nothing applied");
                return false;
            }

            requestBytes += reader.Line.Length + 1;
            if (status == UapiReadStatus.LineTooLong || requestBytes > MaxRequestBytes)
            {
                Log(status == UapiReadStatus.LineTooLong
                    ? $"refused a wgsharp-set request with a line over {MaxLineLength} bytes"
                    : $"refused a wgsharp-set request over {MaxRequestBytes} bytes");
                await ReplyAsync(stream, reply, ConfigurationErrno.MessageTooLong, cancellationToken).ConfigureAwait(false);
                return false;
            }

            if (IsBlank(reader.Line))
            {
                break;
            }

            AddRouterLine(parser, reader.Line);
        }

        RouterConfiguration? configuration = parser.Finish();
        int errno = parser.Errno;
        string? message = null;
        if (configuration is null)
        {
            message = parser.ErrorMessage;
            Log($"refused a wgsharp-set request (errno {errno}): {message}");
        }
        else
        {
            await _operationLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                _router!.SetRouterConfiguration(configuration);
                Log($"router configuration set: {configuration.Rules.Count} rules, {configuration.Forwards.Count} forwards, {configuration.Peers.Count} peers with options");
            }
            catch (Exception e)
            {
                errno = ErrnoOf(e, "wgsharp-set");
                message = e is ConfigurationException ? e.Message : "internal error (see the daemon's log)";
            }
            finally
            {
                _operationLock.Release();
            }
        }

        if (message is not null)
        {
            // The client shows the user why; `wg` never sends this operation, so it never sees the extra line.
            reply.Clear();
            reply.WriteAscii($"message={PercentText.Encode(message)}\nerrno={errno}\n\n");
            await stream.WriteAsync(reply.WrittenMemory, cancellationToken).ConfigureAwait(false);
            reply.Clear();
            return true;
        }

        await ReplyAsync(stream, reply, errno, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> RouterGetAsync(NetworkStream stream, UapiLineReader reader, SecretBuffer reply, CancellationToken cancellationToken)
    {
        int maxFlows = 0;
        bool maxFlowsSeen = false;
        while (true)
        {
            UapiReadStatus status = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (status == UapiReadStatus.EndOfStream)
            {
                return false;
            }

            if (status == UapiReadStatus.LineTooLong)
            {
                await ReplyAsync(stream, reply, ConfigurationErrno.MessageTooLong, cancellationToken).ConfigureAwait(false);
                return false;
            }

            if (IsBlank(reader.Line))
            {
                break;
            }

            // The only request line there is; anything else (or it twice) is refused, and the connection,
            // out of step with the client, closed.
            ReadOnlySpan<byte> line = reader.Line;
            if (maxFlowsSeen || !line.StartsWith("max_flows="u8) || !TryParseAsciiDecimal(line["max_flows="u8.Length..], out ulong requested))
            {
                Log("refused a wgsharp-get request with a line other than max_flows=N");
                await ReplyAsync(stream, reply, ConfigurationErrno.InvalidArgument, cancellationToken).ConfigureAwait(false);
                return false;
            }

            maxFlowsSeen = true;
            maxFlows = (int)Math.Min(requested, MaxFlowsPerReply);
        }

        RouterConfiguration configuration;
        RouterSnapshot snapshot;
        await _operationLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            configuration = _router!.RouterConfiguration;
            snapshot = _router.GetRouterSnapshot(maxFlows);
        }
        catch (Exception e)
        {
            int errno = ErrnoOf(e, "wgsharp-get");
            _operationLock.Release();
            await ReplyAsync(stream, reply, errno, cancellationToken).ConfigureAwait(false);
            return true;
        }

        _operationLock.Release(); // before any socket I/O, as for get

        var text = new StringBuilder();
        int replyErrno = 0;
        try
        {
            RouterConfigurationWriter.Write(configuration, text);
            text.Append("snapshot=1\n");
            RouterSnapshotWriter.Write(snapshot, text);
        }
        catch (ArgumentException e)
        {
            // A value the format cannot carry (a device bug): report it rather than send a broken reply.
            replyErrno = ErrnoOf(e, "wgsharp-get");
            text.Clear();
        }

        text.Append("errno=").Append(replyErrno).Append("\n\n");
        reply.Clear();
        reply.WriteAscii(text.ToString());
        await stream.WriteAsync(reply.WrittenMemory, cancellationToken).ConfigureAwait(false);
        reply.Clear();
        return true;
    }

    private static bool TryParseAsciiDecimal(ReadOnlySpan<byte> text, out ulong value)
    {
        Span<char> chars = stackalloc char[Math.Min(text.Length, 32)];
        if (text.Length > chars.Length)
        {
            value = 0;
            return false;
        }

        for (int i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i];
        }

        return UapiSyntax.TryParseDecimal(chars, ulong.MaxValue, out value);
    }

    private static void AddRouterLine(RouterConfigurationParser parser, ReadOnlySpan<byte> line)
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
    }
}
