// Shared pieces of the kernel TUN tests: unique interface names, a bounded reader, and event waiting.
using System.Net;

namespace WgSharp.Tun.Tests.Kernel;

internal static class TunTestKit
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    public static readonly IPAddress TunAddress = IPAddress.Parse("10.77.0.1");
    public static readonly IPAddress PeerAddress = IPAddress.Parse("10.77.0.2");

    private static int s_counter;

    /// <summary>"wgtPPPPPnN": unique per process and call, under the 15-byte limit.</summary>
    public static string UniqueName() => $"wgt{Environment.ProcessId % 100000}n{Interlocked.Increment(ref s_counter)}";

    /// <summary>Gives the TUN 10.77.0.1/24 inside its namespace and brings it up.</summary>
    public static void Configure(Support.NetNs ns, string name)
    {
        ns.Ip("addr", "add", $"{TunAddress}/24", "dev", name);
        ns.Ip("link", "set", name, "up");
    }

    /// <summary>
    /// Reads on a background thread until a packet matches, failing after <see cref="Patience"/>. On failure the
    /// test's using-disposal of the device wakes the reader, so nothing is left blocked.
    /// </summary>
    public static async Task<byte[]> ReadUntilAsync(ITunDevice tun, Func<byte[], bool> match, int bufferSize = 65535)
    {
        var reader = Task.Factory.StartNew(() =>
        {
            byte[][] buffers = [new byte[16 + bufferSize], new byte[16 + bufferSize], new byte[16 + bufferSize]];
            int[] sizes = new int[buffers.Length];
            while (true)
            {
                int count = tun.Read(buffers, sizes, 16);
                if (count == 0)
                {
                    throw new InvalidOperationException("device closed before the packet arrived");
                }
                for (int i = 0; i < count; i++)
                {
                    byte[] packet = buffers[i].AsSpan(16, sizes[i]).ToArray();
                    if (match(packet))
                    {
                        return packet;
                    }
                }
            }
        }, TaskCreationOptions.LongRunning);
        return await reader.WaitAsync(Patience);
    }

    /// <summary>Waits for the first event of <paramref name="kind"/>, skipping others.</summary>
    public static async Task<TunEvent> NextEventAsync(ITunDevice tun, TunEventKind kind)
    {
        using var cancel = new CancellationTokenSource(Patience);
        while (true)
        {
            TunEvent linkEvent = await tun.Events.ReadAsync(cancel.Token);
            if (linkEvent.Kind == kind)
            {
                return linkEvent;
            }
        }
    }

    public static void WriteOne(ITunDevice tun, byte[] packet)
    {
        byte[] buffer = new byte[16 + packet.Length];
        packet.CopyTo(buffer, 16);
        tun.Write([buffer], [packet.Length], 1, 16);
    }
}
