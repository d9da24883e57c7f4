// rtnetlink reply parsing: the payload of one reply message (after its nlmsghdr) as the kernel would
// send it to a dump of addresses, links, routes or rules, or an error's extended acknowledgement.
// Input byte 0 picks the parser; bytes 1-2 are the message flags for the acknowledgement.
// Invariants: hostile payloads are skipped (null), never an exception; what parses is self-consistent
// (prefix lengths within the family's bits) and prints, as `ip` and the state file need it, without throwing.
using System.Buffers.Binary;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Fuzz.Targets;

internal sealed class RtNetlinkTarget : IFuzzTarget
{
    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 3)
        {
            return;
        }

        ReadOnlySpan<byte> payload = input[3..];
        switch (input[0] % 6)
        {
            case 0:
                if (RtNetlink.ParseAddress(payload) is { } address)
                {
                    CheckPrefix(address.Prefix);
                    _ = address.ToString();
                }
                break;
            case 1:
                _ = RtNetlink.ParseLink(payload)?.ToString();
                break;
            case 2:
            case 3:
                if (RtNetlink.ParseRoute(payload, includeCloned: input[0] % 6 == 3) is { } route)
                {
                    CheckPrefix(route.Destination);
                    _ = route.ToString();
                    _ = route.ToCommandArguments();
                }
                break;
            case 4:
                if (RtNetlink.ParseRule(payload) is { } rule)
                {
                    if (rule.From is { } source)
                    {
                        CheckPrefix(source);
                    }
                    if (rule.To is { } destination)
                    {
                        CheckPrefix(destination);
                    }
                    _ = rule.ToString();
                    _ = rule.ToCommandArguments();
                }
                break;
            default:
                _ = RtNetlink.ExtendedAckMessage(BinaryPrimitives.ReadUInt16LittleEndian(input[1..]), payload);
                break;
        }
    }

    private static void CheckPrefix(RoutePrefix prefix) =>
        InvariantException.Check(prefix.Length >= 0 && prefix.Length <= prefix.HostLength, $"a prefix {prefix} past its family's bits");
}
