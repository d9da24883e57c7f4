// PortForwardTable: every one of the most entries a configuration may have is found by its protocol,
// interface address and port, nothing else is, the first of two equal entries wins, and a lookup allocates nothing.
using WgSharp.Router.Nat;
using WgSharp.Router.Packets;
using static WgSharp.Router.Tests.Nat.NatTestPackets;

namespace WgSharp.Router.Tests.Nat;

public class PortForwardTableTests
{
    private static List<PortForward> Forwards()
    {
        // 1,024 entries: TCP and UDP, on an IPv4 and an IPv6 interface address, 256 ports each.
        List<PortForward> forwards = [];
        foreach (byte protocol in new[] { IpProtocol.Tcp, IpProtocol.Udp })
        {
            for (ushort port = 1000; port < 1256; port++)
            {
                forwards.Add(new PortForward(protocol, Key("10.5.0.2"), port, Key("192.168.2.10"), (ushort)(port + 1)));
                forwards.Add(new PortForward(protocol, Key("fd05::2"), port, Key("fd02::10"), port));
            }
        }

        return forwards;
    }

    [Fact]
    public void Every_entry_is_found_and_nothing_else()
    {
        List<PortForward> forwards = Forwards();
        var table = new PortForwardTable(forwards);
        Assert.Equal(1024, table.Forwards.Length);
        foreach (PortForward forward in forwards)
        {
            string local = forward.Address.ToString();
            string client = local.Contains(':') ? "2001:db8::9" : "198.51.100.9";
            FlowTuple tuple = TupleOf(forward.Protocol == IpProtocol.Tcp
                ? Tcp(client, 40000, local, forward.Port)
                : Udp(client, 40000, local, forward.Port));
            Assert.True(table.TryFind(tuple, out PortForward? found));
            Assert.Same(forward, found);
        }

        Assert.False(table.TryFind(TupleOf(Tcp("198.51.100.9", 40000, "10.5.0.2", 999)), out _));
        Assert.False(table.TryFind(TupleOf(Tcp("198.51.100.9", 40000, "10.5.0.3", 1000)), out _));
        Assert.False(table.TryFind(TupleOf(Tcp("198.51.100.9", 40000, "10.5.0.2", 1256)), out _));
        Assert.False(table.TryFind(TupleOf(Other("198.51.100.9", "10.5.0.2", protocol: 132)), out _));
        Assert.False(table.TryFind(TupleOf(Echo("198.51.100.9", "10.5.0.2", 1000)), out _));
        Assert.False(PortForwardTable.Empty.TryFind(TupleOf(Tcp("198.51.100.9", 40000, "10.5.0.2", 1000)), out _));
    }

    [Fact]
    public void The_first_of_two_equal_entries_wins()
    {
        var first = new PortForward(IpProtocol.Udp, Key("10.5.0.2"), 53, Key("192.168.2.10"), 53);
        var second = new PortForward(IpProtocol.Udp, Key("10.5.0.2"), 53, Key("192.168.2.11"), 53);
        var table = new PortForwardTable([first, second]);
        Assert.True(table.TryFind(TupleOf(Udp("198.51.100.9", 40000, "10.5.0.2", 53)), out PortForward? found));
        Assert.Same(first, found);
    }

    [Fact]
    public void A_lookup_allocates_nothing()
    {
        var table = new PortForwardTable(Forwards());
        FlowTuple hit = TupleOf(Udp("198.51.100.9", 40000, "10.5.0.2", 1200));
        FlowTuple miss = TupleOf(Udp("198.51.100.9", 40000, "10.5.0.2", 2000));
        table.TryFind(hit, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            table.TryFind(hit, out _);
            table.TryFind(miss, out _);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
