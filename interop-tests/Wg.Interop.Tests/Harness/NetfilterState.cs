// What the kernel's packet filter holds in a namespace: iptables tables (legacy, /proc/net/ip*_tables_names),
// nftables tables (a NFT_MSG_GETTABLE dump over netlink) and connection tracking entries. Kernel NAT needs
// conntrack, and conntrack only hooks into a namespace that a rule asked for it (since Linux 4.10), so an
// empty table after traffic proves that no kernel NAT touched it.
using System.Globalization;

namespace WgSharp.Interop.Tests.Harness;

internal static class NetfilterState
{
    // The nftables netlink API (linux/netfilter/nfnetlink.h, nf_tables.h): NETLINK_NETFILTER = 12,
    // NFNL_SUBSYS_NFTABLES = 10, NFT_MSG_GETTABLE = 1 / NEWTABLE = 0, NLM_F_REQUEST | NLM_F_DUMP.
    private const string NftTableCountScript = """
        import socket, struct, sys
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
        s.bind((0, 0))
        s.send(struct.pack("=IHHII", 20, (10 << 8) | 1, 1 | 0x300, 1, 0) + struct.pack("=BBH", 0, 0, 0))
        tables = 0
        while True:
            data = s.recv(65536)
            off = 0
            while off + 16 <= len(data):
                length, typ = struct.unpack_from("=IH", data, off)
                if typ == 3:
                    print(tables); sys.exit(0)
                if typ == 2:
                    err = struct.unpack_from("=i", data, off + 16)[0]
                    print(tables if err == 0 else "error %d" % -err); sys.exit(0)
                if typ == (10 << 8):
                    tables += 1
                off += (length + 3) & ~3
        """;

    /// <summary>Fails unless <paramref name="ns"/> has no iptables/ip6tables tables, no nftables tables and no
    /// conntrack entries.</summary>
    public static async Task AssertNoKernelFirewallOrNatAsync(NetworkNamespace ns)
    {
        foreach (var names in (string[])["/proc/net/ip_tables_names", "/proc/net/ip6_tables_names"])
        {
            var read = await ns.ExecAsync(["cat", names]).ConfigureAwait(false);
            // A kernel without that table type has no file: nothing can be loaded then either.
            Assert.True(!read.Succeeded || read.StandardOutput.Trim().Length == 0, $"{ns}: {names} lists tables: {read.StandardOutput}");
        }

        if (FindPython() is { } python)
        {
            var nft = await ns.ExecCheckedAsync([python, "-c", NftTableCountScript], TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            var answer = nft.StandardOutput.Trim();
            // EOPNOTSUPP/ENOENT: no nf_tables in this kernel, so no tables.
            Assert.True(answer == "0" || answer.StartsWith("error", StringComparison.Ordinal), $"{ns}: nftables has {answer} table(s)");
        }

        var count = await ConntrackCountAsync(ns).ConfigureAwait(false);
        Assert.True(count == 0, $"{ns}: the kernel tracks {count} connection(s): something hooked conntrack (kernel NAT?)");
    }

    /// <summary>Entries in the namespace's conntrack table (0 when conntrack is not even built in).</summary>
    public static async Task<int> ConntrackCountAsync(NetworkNamespace ns)
    {
        var read = await ns.ExecAsync(["cat", "/proc/sys/net/netfilter/nf_conntrack_count"]).ConfigureAwait(false);
        return read.Succeeded ? int.Parse(read.StandardOutput.Trim(), CultureInfo.InvariantCulture) : 0;
    }

    private static string? FindPython()
    {
        foreach (var candidate in (string[])["/usr/bin/python3", "/usr/local/bin/python3"])
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
