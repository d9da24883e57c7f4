// Which consecutive datagrams of a send batch go out as one UDP GSO message (udp(7) UDP_SEGMENT): a run of equal
// sizes, optionally ended by one shorter datagram, within the kernel's segment and length limits.
namespace WgSharp.Tun.Offload;

internal static class UdpGsoRuns
{
    /// <summary>Segments per GSO send: UDP_MAX_SEGMENTS was 64 before Linux 6.10 raised it to 128.</summary>
    public const int MaxSegments = 64;

    /// <summary>The largest UDP payload over IPv4 (65535 - 20 - 8) and over IPv6 (65535 - 8, the payload length limit).</summary>
    public const int MaxPayloadV4 = 65507;
    public const int MaxPayloadV6 = 65527;

    /// <summary>
    /// How many datagrams from <paramref name="start"/> (before <paramref name="end"/>) form one message: all the size
    /// of the first except a shorter last one, at most <paramref name="maxSegments"/>, at most <paramref name="maxBytes"/>
    /// in total. 1 when the first is empty or at least <paramref name="refusedSize"/> (when that is not 0).
    /// </summary>
    public static int Length(ReadOnlySpan<int> sizes, int start, int end, int maxSegments, int maxBytes, int refusedSize)
    {
        int size = sizes[start];
        if (size <= 0 || (refusedSize > 0 && size >= refusedSize))
        {
            return 1;
        }
        int total = size;
        int j = start + 1;
        while (j < end && j - start < maxSegments)
        {
            int next = sizes[j];
            if (next <= 0 || next > size || total + next > maxBytes)
            {
                break;
            }
            total += next;
            j++;
            if (next < size)
            {
                break; // a shorter datagram can only be the last segment
            }
        }
        return j - start;
    }
}
