// The kernel side of `syncconf` for an interface `wgsharp up` made: its [Rule] steering is planned again from the
// file exactly as `up` plans it (UpPlanner.PlanSteering), against the machine as it would be without the
// interface's own steering, and the difference to what the state file records is applied around the daemon's
// update: new rules and routes first, the old ones removed only after the daemon took the configuration, so no
// traffic is ever left without its route, and everything added is removed again when a later step fails.
// Interfaces not made by `up` (no state file in this network namespace) have nothing here to re-plan.
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Host;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Commands;

internal sealed class SyncConfKernel : IDisposable
{
    private readonly IDisposable _lock;
    private readonly RtNetlink _netlink;
    private readonly QuickUp _apply;
    private readonly SteeringDiff _diff;
    private readonly uint? _newMark;
    private bool _added;

    private SyncConfKernel(IDisposable locked, RtNetlink netlink, QuickUp apply, SteeringDiff diff, uint? firewallMark, uint? newMark)
    {
        _lock = locked;
        _netlink = netlink;
        _apply = apply;
        _diff = diff;
        FirewallMark = firewallMark;
        _newMark = newMark;
    }

    /// <summary>The fwmark the device keeps when the file names none: the one `up` (or this re-plan) gave it for
    /// policy routing or steering; null for none.</summary>
    public uint? FirewallMark { get; }

    /// <summary>
    /// Plans the re-plan of <paramref name="interfaceName"/>'s steering, holding the interface's lock until disposed;
    /// null when `up` did not make the interface here (nothing then changes in the kernel). Throws QuickException,
    /// NetlinkException or IOException before anything has been changed.
    /// </summary>
    public static SyncConfKernel? Prepare(string interfaceName, InterfaceConfig config, QuickStateStore store, QuickConsole console,
        TimeProvider clock)
    {
        if (!store.Exists(interfaceName))
        {
            return null;
        }

        IDisposable locked = store.LockInterface(interfaceName);
        RtNetlink? netlink = null;
        try
        {
            QuickState? state = store.Load(interfaceName);
            if (state is null || state.Phase != QuickPhase.Up || state.NetworkNamespace != NetworkNamespaceIdentity.Current())
            {
                locked.Dispose();
                return null;
            }

            netlink = RtNetlink.Open();
            uint? deviceMark = config.FirewallMark is { } fileMark and not 0 ? fileMark : state.FirewallMark;
            var facts = new ReplanRoutingFacts(new NetlinkRoutingFacts(netlink), state);
            SteeringPlan? steering = UpPlanner.PlanSteering(config, interfaceName, state.PolicyTable, deviceMark, facts,
                out string? warning, out uint? newMark);
            if (warning is not null)
            {
                console.Warning(warning);
            }

            foreach (string skipped in steering?.Skipped ?? [])
            {
                console.Warning(skipped);
            }

            foreach (SteeringFamilyPlan family in steering?.Families ?? [])
            {
                if (family.UnavailableReason is { } why)
                {
                    console.Warning(QuickUp.RulesUnavailable(interfaceName, family.FamilyName, why));
                }
            }

            SteeringDiff diff = SteeringDiff.Compute(state, steering);
            var apply = new QuickUp(netlink, state, store, console, static () => false, clock);
            uint? kept = config.FirewallMark is null or 0 ? state.FirewallMark ?? newMark : null;
            return new SyncConfKernel(locked, netlink, apply, diff, kept, state.FirewallMark is null ? newMark : null);
        }
        catch
        {
            netlink?.Dispose();
            locked.Dispose();
            throw;
        }
    }

    /// <summary>Adds the new plan's rules and routes; throws after removing what it added.</summary>
    public void AddNew()
    {
        _apply.AddSteeringChanges(_diff);
        _added = true;
    }

    /// <summary>The daemon refused the configuration: removes what <see cref="AddNew"/> added.</summary>
    public void Undo()
    {
        if (_added)
        {
            _apply.UndoSteeringChanges();
            _added = false;
        }
    }

    /// <summary>Removes what the new plan no longer has and records the plan in the state file.</summary>
    public void Finish()
    {
        _added = false; // from here on the new plan is the one in force: never undone
        _apply.RemoveOldSteering(_diff, _newMark);
    }

    public void Dispose()
    {
        _netlink.Dispose();
        _lock.Dispose();
    }
}
