// A UAPI request written by hand on a fresh connection to a daemon's socket, for requests the `wg` tool never
// sends (the wgsharp-set extension, deliberately malformed lines); the reply is read through its blank line.
using System.Net.Sockets;
using System.Text;

namespace WgSharp.Interop.Tests.Harness;

internal static class UapiRawRequest
{
    public static async Task<string> SendAsync(string socketPath, string request, TimeSpan limit)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var timeout = new CancellationTokenSource(limit);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, timeout.Token);
        var reply = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (!reply.ToString().EndsWith("\n\n", StringComparison.Ordinal))
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                break;
            }

            reply.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return reply.ToString();
    }

    /// <summary>A base64 key as the UAPI writes keys: lower-case hex.</summary>
    public static string Hex(string base64) => Convert.ToHexStringLower(Convert.FromBase64String(base64));
}
