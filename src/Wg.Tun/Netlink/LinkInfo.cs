// A network interface as RTM_NEWLINK describes it: index, name, MTU, IFF_* flags and the driver kind.
using System.Text;
using WgSharp.Tun.Interop;

namespace WgSharp.Tun.Netlink;

/// <param name="Index">ifi_index.</param>
/// <param name="Name">IFLA_IFNAME.</param>
/// <param name="Mtu">IFLA_MTU.</param>
/// <param name="Flags">ifi_flags (IFF_UP, IFF_LOWER_UP, ... from linux/if.h).</param>
/// <param name="Kind">IFLA_INFO_KIND inside IFLA_LINKINFO ("tun", "veth", "dummy"), null for drivers without one.</param>
public sealed record LinkInfo(int Index, string Name, int Mtu, uint Flags, string? Kind)
{
    private static readonly (uint Flag, string Name)[] KnownFlags =
    [
        (0x8, "LOOPBACK"), (0x2, "BROADCAST"), (0x10, "POINTOPOINT"), (0x1000, "MULTICAST"), (0x80, "NOARP"),
        (0x200, "ALLMULTI"), (0x100, "PROMISC"), (0x400, "MASTER"), (0x800, "SLAVE"), (0x4, "DEBUG"),
        (0x8000, "DYNAMIC"), (0x4000, "AUTOMEDIA"), (0x2000, "PORTSEL"), (0x20, "NOTRAILERS"), (0x1, "UP"),
        (0x10000, "LOWER_UP"), (0x20000, "DORMANT"), (0x40000, "ECHO"),
    ];

    /// <summary>Administratively up (IFF_UP).</summary>
    public bool IsUp => (Flags & (uint)LibC.IFF_UP) != 0;

    /// <summary>The driver reports carrier (IFF_LOWER_UP).</summary>
    public bool IsLowerUp => (Flags & LibC.IFF_LOWER_UP) != 0;

    /// <summary>The flag names ip prints between angle brackets, in its order ("NO-CARRIER" when up without carrier).</summary>
    public IReadOnlyList<string> FlagNames
    {
        get
        {
            var names = new List<string>();
            if ((Flags & (uint)LibC.IFF_UP) != 0 && (Flags & (uint)LibC.IFF_RUNNING) == 0)
            {
                names.Add("NO-CARRIER");
            }
            foreach ((uint flag, string name) in KnownFlags)
            {
                if ((Flags & flag) != 0)
                {
                    names.Add(name);
                }
            }
            return names;
        }
    }

    /// <summary>The start of an <c>ip link show</c> line: "3: wg0: &lt;POINTOPOINT,NOARP,UP,LOWER_UP&gt; mtu 1420".</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Index).Append(": ").Append(Name).Append(": <").AppendJoin(',', FlagNames).Append("> mtu ").Append(Mtu);
        return text.ToString();
    }
}
