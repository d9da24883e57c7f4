// RtNetlink policy rules: add, delete, list (RTM_NEWRULE/DELRULE/GETRULE), probe support, find a free table id.
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using WgSharp.Tun.Interop;
using WgSharp.Tun.Net;

namespace WgSharp.Tun.Netlink;

public sealed partial class RtNetlink
{
    /// <summary>The table wg-quick starts from when it needs one of its own (and the fwmark it then uses).</summary>
    public const uint FirstAutomaticTable = 51820;

    // A selector no real rule has, for side-effect-free probing: deleting it can only fail.
    private const uint ProbePriority = 0x7fff_fff1;
    private const uint ProbeTable = 0xffff_fff1;
    private const uint ProbeMark = 0x5767_7072;
    private const string ProbeInterface = "wgsharp-probe";

    /// <summary><c>ip rule add RULE</c> (NLM_F_EXCL: EEXIST for an identical rule, on Linux 4.17 and later).</summary>
    public void AddRule(RuleEntry rule) => ModifyRule(LibC.RTM_NEWRULE, LibC.NLM_F_CREATE | LibC.NLM_F_EXCL, rule, "add");

    /// <summary><c>ip rule del RULE</c>: removes the first rule matching the given members; ENOENT when none does.</summary>
    public void DeleteRule(RuleEntry rule) => ModifyRule(LibC.RTM_DELRULE, 0, rule, "del");

    /// <summary>The rules of one family in priority order (<c>ip -4 rule show</c> / <c>ip -6 rule show</c>).</summary>
    public IReadOnlyList<RuleEntry> ListRules(AddressFamily family)
    {
        byte nativeFamily = NativeFamily(family);
        if (nativeFamily == 0)
        {
            ThrowHelper.ThrowArgument("Rules are listed per family: InterNetwork or InterNetworkV6.", nameof(family));
        }
        lock (_lock)
        {
            return Dump($"ip {FamilyOption(family)}rule show", LibC.RTM_GETRULE, LibC.FibRuleHdrSize, nativeFamily,
                static (type, payload) => type == LibC.RTM_NEWRULE ? ParseRule(payload) : null);
        }
    }

    /// <summary>
    /// Whether policy rules can be used for <paramref name="family"/>, found by asking the kernel to delete a rule
    /// that cannot exist: ENOENT means the request went all the way to the rule list. A second such request with an
    /// invalid sport range tells whether FRA_IP_PROTO/FRA_SPORT_RANGE/FRA_DPORT_RANGE are understood: Linux 4.17+
    /// validates the range (EINVAL), older kernels ignore the attribute (ENOENT). Changes nothing; never throws.
    /// </summary>
    public RuleSupport ProbeRules(AddressFamily family) => ProbeRules(NativeFamily(family));

    /// <summary><see cref="ProbeRules(AddressFamily)"/> for a raw AF_* number.</summary>
    public RuleSupport ProbeRules(byte nativeFamily)
    {
        int errno = ProbeDelete(nativeFamily, withInvalidPortRange: false);
        if (errno != LibC.ENOENT)
        {
            RuleAvailability availability = errno switch
            {
                LibC.EAFNOSUPPORT or LibC.EOPNOTSUPP or LibC.ENOSYS or LibC.EPROTONOSUPPORT => RuleAvailability.Unsupported,
                LibC.EPERM or LibC.EACCES => RuleAvailability.NotPermitted,
                _ => RuleAvailability.Failed,
            };
            return new RuleSupport(availability, errno == 0 ? Errno.EIO : (Errno)errno, false);
        }
        bool selectors = ProbeDelete(nativeFamily, withInvalidPortRange: true) == LibC.EINVAL;
        return new RuleSupport(RuleAvailability.Available, Errno.None, selectors);
    }

    /// <summary>
    /// True when no route of any family lies in <paramref name="table"/> and no IPv4 or IPv6 rule refers to it
    /// (rules of a family without policy routing count as none).
    /// </summary>
    public bool IsTableFree(uint table) => table != 0 && FindFreeTable(table, table) == table;

    /// <summary>
    /// The first table id from <paramref name="first"/> upward that <see cref="IsTableFree"/> (wg-quick takes the
    /// first id from 51820 without routes), 0 if none is. Reads the routes and rules once.
    /// </summary>
    public uint FindFreeTable(uint first = FirstAutomaticTable) => FindFreeTable(first, uint.MaxValue);

    private uint FindFreeTable(uint first, uint last)
    {
        var used = new HashSet<uint>();
        lock (_lock)
        {
            foreach (RouteEntry route in ListRoutes())
            {
                used.Add(route.Table);
            }
            foreach (AddressFamily family in (ReadOnlySpan<AddressFamily>)[AddressFamily.InterNetwork, AddressFamily.InterNetworkV6])
            {
                try
                {
                    foreach (RuleEntry rule in ListRules(family))
                    {
                        used.Add(rule.Table);
                    }
                }
                catch (NetlinkException e) when (e.Errno is Errno.EAFNOSUPPORT or Errno.EOPNOTSUPP)
                {
                    // No policy routing for this family: no rule can refer to the table.
                }
            }
        }
        // Table 0 is RT_TABLE_UNSPEC, never a real table; 0 as the result means "none free in the range".
        for (ulong table = Math.Max(first, 1u); table <= last; table++)
        {
            if (!used.Contains((uint)table))
            {
                return (uint)table;
            }
        }
        return 0;
    }

    private int ProbeDelete(byte nativeFamily, bool withInvalidPortRange)
    {
        try
        {
            lock (_lock)
            {
                _request.Begin(LibC.RTM_DELRULE, LibC.NLM_F_REQUEST | LibC.NLM_F_ACK, LibC.FibRuleHdrSize);
                Span<byte> header = _request.Header;
                header[0] = nativeFamily;
                header[7] = (byte)RuleAction.ToTable;
                _request.AddUInt32(LibC.FRA_PRIORITY, ProbePriority);
                _request.AddUInt32(LibC.FRA_TABLE, ProbeTable);
                _request.AddUInt32(LibC.FRA_FWMARK, ProbeMark);
                _request.AddString(LibC.FRA_IIFNAME, ProbeInterface);
                if (withInvalidPortRange)
                {
                    // Raw bytes: PortRange itself refuses start > end.
                    Span<byte> range = stackalloc byte[4];
                    BinaryPrimitives.WriteUInt16LittleEndian(range, 2);
                    BinaryPrimitives.WriteUInt16LittleEndian(range[2..], 1);
                    _request.AddBytes(LibC.FRA_SPORT_RANGE, range);
                }
                Execute("probe policy rules (ip rule del)", null);
                return 0;
            }
        }
        catch (NetlinkException e)
        {
            return (int)e.Errno;
        }
        catch (ObjectDisposedException)
        {
            return LibC.EBADF;
        }
    }

    private void ModifyRule(ushort type, ushort flags, RuleEntry rule, string verb)
    {
        ArgumentNullException.ThrowIfNull(rule);
        byte nativeFamily = NativeFamily(rule.Family);
        if (nativeFamily == 0)
        {
            ThrowHelper.ThrowArgument("A rule belongs to InterNetwork or InterNetworkV6.", nameof(rule));
        }
        if ((rule.From is { } f && f.Family != rule.Family) || (rule.To is { } t && t.Family != rule.Family))
        {
            ThrowHelper.ThrowArgument("The rule's from/to prefixes must be of the rule's family.", nameof(rule));
        }
        string operation = $"ip {FamilyOption(rule.Family)}rule {verb} {rule.ToCommandArguments()}";
        lock (_lock)
        {
            _request.Begin(type, (ushort)(LibC.NLM_F_REQUEST | LibC.NLM_F_ACK | flags), LibC.FibRuleHdrSize);
            Span<byte> header = _request.Header;
            header[0] = nativeFamily;
            header[1] = (byte)(rule.To?.Length ?? 0);
            header[2] = (byte)(rule.From?.Length ?? 0);
            header[3] = rule.Tos;
            header[4] = rule.Table < 256 ? (byte)rule.Table : LibC.RT_TABLE_UNSPEC;
            header[7] = (byte)rule.Action;
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], rule.Invert ? LibC.FIB_RULE_INVERT : 0);
            if (rule.Table >= 256)
            {
                _request.AddUInt32(LibC.FRA_TABLE, rule.Table);
            }
            if (rule.Priority is { } priority)
            {
                _request.AddUInt32(LibC.FRA_PRIORITY, priority);
            }
            if (rule.From is { } from)
            {
                _request.AddAddress(LibC.FRA_SRC, from.Address);
            }
            if (rule.To is { } to)
            {
                _request.AddAddress(LibC.FRA_DST, to.Address);
            }
            if (rule.FwMark is { } mark)
            {
                _request.AddUInt32(LibC.FRA_FWMARK, mark);
            }
            if (rule.FwMask is { } mask)
            {
                _request.AddUInt32(LibC.FRA_FWMASK, mask);
            }
            if (rule.SuppressPrefixLength is { } suppress)
            {
                _request.AddUInt32(LibC.FRA_SUPPRESS_PREFIXLEN, (uint)suppress);
            }
            if (rule.InputInterface is { } iif)
            {
                TunErrors.ValidateName(iif);
                _request.AddString(LibC.FRA_IIFNAME, iif);
            }
            if (rule.OutputInterface is { } oif)
            {
                TunErrors.ValidateName(oif);
                _request.AddString(LibC.FRA_OIFNAME, oif);
            }
            if (rule.IpProtocol is { } ipProtocol)
            {
                _request.AddUInt8(LibC.FRA_IP_PROTO, ipProtocol);
            }
            if (rule.SourcePorts is { } sourcePorts)
            {
                _request.AddPortRange(LibC.FRA_SPORT_RANGE, sourcePorts);
            }
            if (rule.DestinationPorts is { } destinationPorts)
            {
                _request.AddPortRange(LibC.FRA_DPORT_RANGE, destinationPorts);
            }
            if (rule.GotoTarget is { } target)
            {
                _request.AddUInt32(LibC.FRA_GOTO, target);
            }
            if (rule.Protocol is { } protocol)
            {
                _request.AddUInt8(LibC.FRA_PROTOCOL, (byte)protocol);
            }
            Execute(operation, null);
        }
    }

    /// <summary>fib_rule_hdr (family, dst_len, src_len, tos, table, res1, res2, action, flags) and its FRA_* attributes.</summary>
    public static RuleEntry? ParseRule(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < LibC.FibRuleHdrSize)
        {
            return null;
        }
        byte family = payload[0];
        int addressLength = family switch { LibC.AF_INET => 4, LibC.AF_INET6 => 16, _ => 0 };
        int destinationLength = payload[1];
        int sourceLength = payload[2];
        if (addressLength == 0 || destinationLength > addressLength * 8 || sourceLength > addressLength * 8)
        {
            return null;
        }
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        uint table = payload[4];
        IPAddress? from = null;
        IPAddress? to = null;
        uint? priority = null;
        uint? mark = null;
        uint? mask = null;
        int? suppress = null;
        string? iif = null;
        string? oif = null;
        byte? ipProtocol = null;
        PortRange? sourcePorts = null;
        PortRange? destinationPorts = null;
        uint? gotoTarget = null;
        RouteProtocol? protocol = null;
        foreach (NetlinkAttribute attribute in new NetlinkAttributeReader(payload[LibC.FibRuleHdrSize..]))
        {
            switch (attribute.Type)
            {
                case LibC.FRA_SRC:
                    from = attribute.Address(addressLength);
                    break;
                case LibC.FRA_DST:
                    to = attribute.Address(addressLength);
                    break;
                case LibC.FRA_PRIORITY:
                    priority = attribute.UInt32;
                    break;
                case LibC.FRA_TABLE:
                    table = attribute.UInt32;
                    break;
                case LibC.FRA_FWMARK:
                    mark = attribute.UInt32;
                    break;
                case LibC.FRA_FWMASK:
                    mask = attribute.UInt32;
                    break;
                case LibC.FRA_SUPPRESS_PREFIXLEN:
                    // -1 (all ones) is the kernel's "not set".
                    suppress = attribute.UInt32 == uint.MaxValue ? null : (int)attribute.UInt32;
                    break;
                case LibC.FRA_IIFNAME:
                    iif = attribute.String;
                    break;
                case LibC.FRA_OIFNAME:
                    oif = attribute.String;
                    break;
                case LibC.FRA_IP_PROTO:
                    ipProtocol = attribute.UInt8;
                    break;
                case LibC.FRA_SPORT_RANGE:
                    sourcePorts = attribute.PortRange;
                    break;
                case LibC.FRA_DPORT_RANGE:
                    destinationPorts = attribute.PortRange;
                    break;
                case LibC.FRA_GOTO:
                    gotoTarget = attribute.UInt32;
                    break;
                case LibC.FRA_PROTOCOL:
                    protocol = (RouteProtocol)attribute.UInt8;
                    break;
            }
        }
        return new RuleEntry
        {
            Family = family == LibC.AF_INET6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork,
            // The kernel leaves FRA_PRIORITY out for priority 0 (the "lookup local" rule).
            Priority = priority ?? 0,
            Invert = (flags & LibC.FIB_RULE_INVERT) != 0,
            From = from is not null && sourceLength > 0 ? new RoutePrefix(from, sourceLength) : null,
            To = to is not null && destinationLength > 0 ? new RoutePrefix(to, destinationLength) : null,
            Tos = payload[3],
            FwMark = mark,
            FwMask = mask,
            InputInterface = iif,
            OutputInterface = oif,
            IpProtocol = ipProtocol,
            SourcePorts = sourcePorts,
            DestinationPorts = destinationPorts,
            Table = table,
            SuppressPrefixLength = suppress,
            Action = (RuleAction)payload[7],
            GotoTarget = gotoTarget,
            Protocol = protocol,
        };
    }
}
