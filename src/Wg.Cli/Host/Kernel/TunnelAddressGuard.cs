// wg-quick's raw-table rule (drop packets for the tunnel's address that arrive on another interface,
// unless they come from this host) without a firewall, as policy rules (KernelRules.TunnelAddressGuard): for
// each tunnel address A,
//   pref 0: to A iif <tunnel> lookup local      (arrived through the tunnel: deliver)
//   pref 0: to A iif lo lookup local            (sent by this host: output lookups carry iif lo)
//   pref 0: to A blackhole                      (anything else: drop)
// These must come before the kernel's `0: from all lookup local`, and rules of equal priority are kept in
// insertion order, so after adding them the local rule is moved behind them without ever being absent:
// a copy at a free priority, delete the original, re-add it at 0 (now after the guards), delete the copy.
// The guards carry proto static, which keeps the original's deletion (proto kernel) from matching them.
using System.Net.Sockets;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal static class TunnelAddressGuard
{
    /// <summary>
    /// Moves the priority-0 local rule behind the pref-0 rules added since (the guards). Records the move through
    /// <paramref name="record"/> before changing anything. Returns false (and changes nothing) when it cannot be
    /// done safely; the guards then have no effect, which the caller reports.
    /// </summary>
    public static bool MoveLocalRuleBehind(RtNetlink netlink, AddressFamily family, QuickConsole console, Action<StateLocalRuleMove> record)
    {
        IReadOnlyList<RuleEntry> rules = netlink.ListRules(family);
        int index = FindIndex(rules, r => r.Priority == 0 && KernelRules.IsLocalRule(r));
        if (index < 0)
        {
            // No local rule at 0 (moved by the administrator, as VRF setups do): the guards already come first.
            return true;
        }

        RuleEntry local = rules[index];
        bool distinct = local.Protocol is { } p && p != RouteProtocol.Unspecified && p != RouteProtocol.Static;
        if (!distinct && FindIndex(rules, r => r.Priority == 0 && r.Table == IprouteNames.TableLocal) != index)
        {
            // Without a protocol of its own, deleting it could hit an earlier guard rule instead.
            return false;
        }

        uint temporary = 1;
        while (rules.Any(r => r.Priority == temporary))
        {
            temporary++;
        }

        record(new StateLocalRuleMove { Family = family, Original = StateRule.From(local), TemporaryPriority = temporary });
        string ip = family == AddressFamily.InterNetworkV6 ? "ip -6" : "ip -4";
        RuleEntry copy = local with { Priority = temporary };
        console.Command($"{ip} rule add {copy.ToCommandArguments()}");
        netlink.AddRule(copy);
        console.Command($"{ip} rule del {local.ToCommandArguments()}");
        netlink.DeleteRule(local);
        console.Command($"{ip} rule add {local.ToCommandArguments()}");
        netlink.AddRule(local);
        console.Command($"{ip} rule del {copy.ToCommandArguments()}");
        netlink.DeleteRule(copy);
        return true;
    }

    /// <summary>
    /// Undoes what an interrupted move may have left: the local rule is back at priority 0 and its temporary copy
    /// is gone. A completed move needs nothing (the local rule is where it was); never throws for absent rules.
    /// </summary>
    public static void Restore(RtNetlink netlink, StateLocalRuleMove move, QuickConsole console)
    {
        string ip = move.Family == AddressFamily.InterNetworkV6 ? "ip -6" : "ip -4";
        RuleEntry original = move.Original.ToRuleEntry();
        IReadOnlyList<RuleEntry> rules = netlink.ListRules(move.Family);
        if (!rules.Any(r => r.Priority == 0 && KernelRules.IsLocalRule(r)))
        {
            console.Command($"{ip} rule add {original.ToCommandArguments()}");
            netlink.AddRule(original);
        }

        RuleEntry copy = original with { Priority = move.TemporaryPriority };
        if (rules.Any(r => r.Priority == move.TemporaryPriority && KernelRules.IsLocalRule(r)))
        {
            console.Command($"{ip} rule del {copy.ToCommandArguments()}");
            netlink.DeleteRule(copy);
        }
    }

    private static int FindIndex(IReadOnlyList<RuleEntry> rules, Func<RuleEntry, bool> match)
    {
        for (int i = 0; i < rules.Count; i++)
        {
            if (match(rules[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
