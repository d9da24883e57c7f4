// The names iproute2 prints and accepts for tables, protocols, scopes, route types and IP protocols.
using System.Globalization;

namespace WgSharp.Tun.Netlink;

/// <summary>
/// Number ↔ name maps as <c>ip</c> uses them: built-in names (iproute2 lib/rt_names.c) extended by
/// /etc/iproute2/rt_tables, rt_protos and rt_scopes (and their .d/*.conf directories), and /etc/protocols for
/// "ipproto". A number without a name is printed as the number, exactly as ip does. Files are read once.
/// </summary>
public static class IprouteNames
{
    public const uint TableUnspecified = 0;
    public const uint TableDefault = 253;
    public const uint TableMain = 254;
    public const uint TableLocal = 255;

    private const string ConfigDirectory = "/etc/iproute2";

    private static readonly Lazy<NameMap> Tables = new(() => Load("rt_tables",
        [(TableLocal, "local"), (TableMain, "main"), (TableDefault, "default")]));

    private static readonly Lazy<NameMap> Protocols = new(() => Load("rt_protos",
    [
        (0, "unspec"), (1, "redirect"), (2, "kernel"), (3, "boot"), (4, "static"), (8, "gated"), (9, "ra"),
        (10, "mrt"), (11, "zebra"), (12, "bird"), (13, "dnrouted"), (14, "xorp"), (15, "ntk"), (16, "dhcp"),
        (17, "mrouted"), (18, "keepalived"), (42, "babel"), (99, "openr"), (186, "bgp"), (187, "isis"),
        (188, "ospf"), (189, "rip"), (192, "eigrp"),
    ]));

    private static readonly Lazy<NameMap> Scopes = new(() => Load("rt_scopes",
        [(0, "global"), (200, "site"), (253, "link"), (254, "host"), (255, "nowhere")]));

    private static readonly Lazy<NameMap> IpProtocols = new(LoadIpProtocols);

    /// <summary>"main", "local", a name from rt_tables, or the number.</summary>
    public static string Table(uint table) => Tables.Value.Name(table);

    public static bool TryParseTable(string text, out uint table) => Tables.Value.TryParse(text, out table);

    public static string Protocol(RouteProtocol protocol) => Protocols.Value.Name((uint)protocol);

    public static bool TryParseProtocol(string text, out RouteProtocol protocol)
    {
        bool parsed = Protocols.Value.TryParse(text, out uint value) && value <= 255;
        protocol = parsed ? (RouteProtocol)value : default;
        return parsed;
    }

    public static string Scope(RouteScope scope) => Scopes.Value.Name((uint)scope);

    public static bool TryParseScope(string text, out RouteScope scope)
    {
        bool parsed = Scopes.Value.TryParse(text, out uint value) && value <= 255;
        scope = parsed ? (RouteScope)value : default;
        return parsed;
    }

    /// <summary>rtnl_rtntype_n2a: "unicast", "blackhole", ...; RTN_UNSPEC is "none".</summary>
    public static string Type(RouteType type) => type switch
    {
        RouteType.Unspecified => "none",
        RouteType.Unicast => "unicast",
        RouteType.Local => "local",
        RouteType.Broadcast => "broadcast",
        RouteType.Anycast => "anycast",
        RouteType.Multicast => "multicast",
        RouteType.Blackhole => "blackhole",
        RouteType.Unreachable => "unreachable",
        RouteType.Prohibit => "prohibit",
        RouteType.Throw => "throw",
        RouteType.Nat => "nat",
        RouteType.ExternalResolve => "xresolve",
        _ => ((byte)type).ToString(CultureInfo.InvariantCulture),
    };

    public static bool TryParseType(string text, out RouteType type)
    {
        for (int value = 0; value <= (int)RouteType.ExternalResolve; value++)
        {
            if (Type((RouteType)value) == text)
            {
                type = (RouteType)value;
                return true;
            }
        }
        type = default;
        return false;
    }

    /// <summary>The /etc/protocols name ("tcp", "udp", "ipv6-icmp"), else "ipproto-N" as iproute2 prints it.</summary>
    public static string IpProtocol(byte protocol)
    {
        string name = IpProtocols.Value.Name(protocol);
        return name.Length > 0 && char.IsAsciiDigit(name[0]) ? $"ipproto-{protocol}" : name;
    }

    public static bool TryParseIpProtocol(string text, out byte protocol)
    {
        string number = text.StartsWith("ipproto-", StringComparison.Ordinal) ? text["ipproto-".Length..] : text;
        bool parsed = IpProtocols.Value.TryParse(number, out uint value) && value <= 255;
        protocol = parsed ? (byte)value : default;
        return parsed;
    }

    private static NameMap Load(string file, (uint Number, string Name)[] builtIn)
    {
        var map = new NameMap();
        foreach ((uint number, string name) in builtIn)
        {
            map.Add(number, name);
        }
        ReadNumberNameFile(Path.Combine(ConfigDirectory, file), map);
        string directory = Path.Combine(ConfigDirectory, file + ".d");
        if (Directory.Exists(directory))
        {
            foreach (string path in Directory.EnumerateFiles(directory, "*.conf").Order(StringComparer.Ordinal))
            {
                ReadNumberNameFile(path, map);
            }
        }
        return map;
    }

    // iproute2's rtnl_tab_initialize: "NUMBER NAME" per line, '#' comments, numbers decimal or 0x-hex.
    private static void ReadNumberNameFile(string path, NameMap map)
    {
        foreach (string line in ReadLines(path))
        {
            string[] fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && NameMap.TryParseNumber(fields[0], out uint number))
            {
                map.Add(number, fields[1]);
            }
        }
    }

    // protocols(5): "name number aliases...".
    private static NameMap LoadIpProtocols()
    {
        var map = new NameMap();
        foreach ((uint number, string name) in new (uint, string)[]
                 {
                     (1, "icmp"), (2, "igmp"), (4, "ipencap"), (6, "tcp"), (17, "udp"), (41, "ipv6"), (47, "gre"),
                     (50, "esp"), (51, "ah"), (58, "ipv6-icmp"), (132, "sctp"), (136, "udplite"),
                 })
        {
            map.Add(number, name);
        }
        foreach (string line in ReadLines("/etc/protocols"))
        {
            string[] fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && uint.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint number))
            {
                map.AddIfNew(number, fields[0]);
            }
        }
        return map;
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }
        foreach (string line in lines)
        {
            int hash = line.IndexOf('#');
            string content = (hash >= 0 ? line[..hash] : line).Trim();
            if (content.Length > 0)
            {
                yield return content;
            }
        }
    }

    private sealed class NameMap
    {
        private readonly Dictionary<uint, string> _names = [];
        private readonly Dictionary<string, uint> _numbers = new(StringComparer.Ordinal);

        public void Add(uint number, string name)
        {
            _names[number] = name;
            _numbers[name] = number;
        }

        public void AddIfNew(uint number, string name)
        {
            _names.TryAdd(number, name);
            _numbers.TryAdd(name, number);
        }

        public string Name(uint number) =>
            _names.TryGetValue(number, out string? name) ? name : number.ToString(CultureInfo.InvariantCulture);

        public bool TryParse(string text, out uint number) =>
            _numbers.TryGetValue(text, out number) || TryParseNumber(text, out number);

        public static bool TryParseNumber(string text, out uint number) =>
            text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out number)
                : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }
}
