// A namespace with a veth pair and an RtNetlink opened inside it, plus ways to ask iproute2 about it.
using System.Text.Json;
using WgSharp.Tun.Netlink;
using WgSharp.Tun.Tests.Support;

namespace WgSharp.Tun.Tests.Netlink;

/// <summary>
/// Creates a fresh <see cref="NetNs"/> holding a veth pair (this machine has no dummy driver): <see cref="Link"/>
/// ("v0", uniquely named "nlPPPPPaN" per lab) and <see cref="Peer"/> ("v1"), both up. The RtNetlink is opened on a
/// thread that setns'd into the namespace and then used from the test thread: that the socket stays bound to the
/// namespace is part of what every test checks. The constructor proves it by finding the uniquely named link, so a
/// client that landed in the root namespace fails before it can change anything there.
/// </summary>
internal sealed class NetlinkLab : IDisposable
{
    private static int s_counter;

    public NetlinkLab()
    {
        Ns = new NetNs();
        try
        {
            Link = $"nl{Environment.ProcessId % 100000}a{Interlocked.Increment(ref s_counter)}";
            Peer = "v1";
            Ns.Ip("link", "add", Link, "type", "veth", "peer", "name", Peer);
            Ns.Ip("link", "set", Link, "up");
            Ns.Ip("link", "set", Peer, "up");
            Netlink = Ns.Run(RtNetlink.Open);
            LinkIndex = Netlink.GetLinkIndex(Link);
            PeerIndex = Netlink.GetLinkIndex(Peer);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public NetNs Ns { get; }

    public RtNetlink Netlink { get; } = null!;

    public string Link { get; } = "";

    public string Peer { get; } = "";

    public int LinkIndex { get; }

    public int PeerIndex { get; }

    /// <summary><c>ip -n NS args</c>, throwing on failure.</summary>
    public string Ip(params string[] arguments) => Ns.Ip(arguments);

    /// <summary><c>ip -n NS -j args</c> parsed; an empty output (no objects) is an empty array.</summary>
    public JsonElement IpJson(params string[] arguments)
    {
        string output = Command.Check("ip", ["-n", Ns.Name, "-j", .. arguments]).Trim();
        using JsonDocument document = JsonDocument.Parse(output.Length == 0 ? "[]" : output);
        return document.RootElement.Clone();
    }

    /// <summary>ip's text output as lines, tabs turned into blanks and ip's trailing blanks removed.</summary>
    public string[] IpLines(params string[] arguments) =>
        Ip(arguments).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Replace('\t', ' ').TrimEnd())
            .ToArray();

    public void Dispose()
    {
        Netlink?.Dispose();
        Ns.Dispose();
    }
}
