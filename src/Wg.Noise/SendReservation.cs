// A session and counter taken for one outgoing packet. The device takes reservations in send order on
// one thread and seals them on several, so counters leave in order while encryption runs in parallel.
// A reservation holds its session's keys (they cannot be zeroed under it), so each one must end exactly
// once: in Tunnel.TrySeal, or in Abandon for a packet that will not be sealed. Both take it by reference
// and clear it, so a copy left behind is the only way to release twice, and a cleared one is a no-op.
namespace WgSharp.Noise;

public struct SendReservation
{
    internal SendReservation(Session session, ulong counter)
    {
        Session = session;
        Counter = counter;
    }

    internal Session? Session { get; private set; }

    internal ulong Counter { get; private set; }

    public readonly bool IsValid => Session is not null;

    /// <summary>Ends a reservation whose packet will not be sealed (dropped, queue full, device stopping); no-op when empty.</summary>
    public static void Abandon(ref SendReservation reservation)
    {
        Session? session = reservation.Session;
        reservation = default;
        session?.ReleaseKeys();
    }

    // Empties the reservation and returns its session, whose keys the caller now releases.
    internal Session Take()
    {
        Session session = Session!;
        this = default;
        return session;
    }
}
