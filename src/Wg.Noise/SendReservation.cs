// A session and counter taken for one outgoing packet. The device takes reservations in send order on
// one thread and seals them on several, so counters leave in order while encryption runs in parallel.
namespace WgSharp.Noise;

public readonly struct SendReservation
{
    internal SendReservation(Session session, ulong counter)
    {
        Session = session;
        Counter = counter;
    }

    internal Session Session { get; }

    internal ulong Counter { get; }

    public bool IsValid => Session is not null;
}
