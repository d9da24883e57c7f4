// The outcome of ConnectionTracker.TryInsert.
namespace WgSharp.Router.Nat;

internal enum ConntrackInsertResult
{
    /// <summary>The flow was added (possibly with another reply port than asked for).</summary>
    Inserted,

    /// <summary>A live flow already has the original tuple (another thread won the race); nothing changed.</summary>
    Existing,

    /// <summary>The table is full and no flow could be evicted.</summary>
    TableFull,

    /// <summary>The reply tuple is taken and no free port was found in the search range.</summary>
    PortsExhausted,

    /// <summary>The reply tuple is taken and the search was <see cref="PortSearch.None"/>.</summary>
    ReplyInUse,

    /// <summary>The flow's owner already holds its share of the table (<see cref="ConnectionTracker.PerOwnerLimit"/>).</summary>
    OverShare,
}
