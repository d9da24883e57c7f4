// Every kernel route and rule `up` adds goes through here: recorded in the state file before it is created (so
// `down` removes exactly what exists, also after `kill -9`), dropped from the record when the kernel refuses it or
// when it turns out to be someone else's, and undone in reverse order when a later step fails.
using WgSharp.Tun;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal sealed partial class QuickUp
{
    /// <summary>Adds and records a route; false when <paramref name="existingIsForeign"/> and it existed already
    /// (someone else's: left alone, not recorded).</summary>
    private bool AddRoute(RouteEntry route, bool existingIsForeign, bool steering = false)
    {
        Step();
        var recorded = StateRoute.From(route, steering);
        _state.Routes.Add(recorded);
        Save();
        _console.Command($"ip {Option(route.Destination.Family)} route add {route.ToCommandArguments()}");
        try
        {
            _netlink.AddRoute(route);
            return true;
        }
        catch (NetlinkException e) when (existingIsForeign && e.Errno == Errno.EEXIST)
        {
            _state.Routes.Remove(recorded);
            Save();
            _console.Note($"{route.Destination} already has that route; it stays, and is not removed at down");
            return false;
        }
        catch
        {
            _state.Routes.Remove(recorded);
            Save();
            throw;
        }
    }

    /// <summary>Adds and records a rule with the priority the kernel gave it. An identical existing rule (EEXIST)
    /// belongs to someone else: left alone, not recorded.</summary>
    private void AddRule(RuleEntry rule, bool steering = false)
    {
        Step();
        IReadOnlyList<RuleEntry>? before = rule.Priority is null ? _netlink.ListRules(rule.Family) : null;
        var recorded = StateRule.From(rule, steering);
        _state.Rules.Add(recorded);
        Save();
        _console.Command($"ip {Option(rule.Family)} rule add {rule.ToCommandArguments()}");
        try
        {
            _netlink.AddRule(rule);
        }
        catch (NetlinkException e) when (e.Errno == Errno.EEXIST)
        {
            _state.Rules.Remove(recorded);
            Save();
            _console.Note($"an identical rule exists already; it stays, and is not removed at down");
            return;
        }
        catch
        {
            _state.Rules.Remove(recorded);
            Save();
            throw;
        }

        if (before is not null)
        {
            RuleEntry? added = _netlink.ListRules(rule.Family).FirstOrDefault(r => !before.Contains(r) && KernelRules.SameSelector(r, rule));
            recorded.Priority = added?.Priority;
            Save();
        }
    }

    // Removes (from the kernel and the state) the routes and rules recorded after the given counts.
    private void UndoSince(int routes, int rules)
    {
        var teardown = new QuickTeardown(_netlink, _state, _store, _console, _clock);
        while (_state.Rules.Count > rules)
        {
            teardown.RemoveRule(_state.Rules[^1]);
            _state.Rules.RemoveAt(_state.Rules.Count - 1);
        }

        while (_state.Routes.Count > routes)
        {
            teardown.RemoveRoute(_state.Routes[^1]);
            _state.Routes.RemoveAt(_state.Routes.Count - 1);
        }

        Save();
    }
}
