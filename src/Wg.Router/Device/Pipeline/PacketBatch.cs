// A batch of packets moving through the pipeline together: read from the TUN or the UDP socket in one
// call, sealed or opened by a crypto worker, then written out in order by the sequential stage.
// Batches are pooled; their buffers are allocated once.
using WgSharp.Noise;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

internal sealed class PacketBatch
{
    /// <summary>Room before a packet for the transport header, so encryption runs in place.</summary>
    public const int HeadRoom = Tunnel.TransportHeadRoom;

    /// <summary>Header + the largest IP packet + padding + tag, rounded up.</summary>
    public const int BufferSize = HeadRoom + Tunnel.MaxPacketSize + 16 + 16 + 64;

    public PacketBatch(int capacity, bool isInbound)
    {
        IsInbound = isInbound;
        Buffers = new byte[capacity][];
        for (int i = 0; i < capacity; i++)
        {
            Buffers[i] = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
        }

        Sizes = new int[capacity];
        Endpoints = new UdpEndpoint[capacity];
        Peers = new Peer?[capacity];
        Reservations = new SendReservation[capacity];
        Actions = new PacketAction[capacity];
    }

    public bool IsInbound { get; }

    public int Capacity => Buffers.Length;

    public byte[][] Buffers { get; }

    /// <summary>Packet or datagram lengths; after the crypto stage, the length of what is to be written.</summary>
    public int[] Sizes { get; }

    /// <summary>Inbound: where each datagram came from (with the local address it arrived on).</summary>
    public UdpEndpoint[] Endpoints { get; }

    public Peer?[] Peers { get; }

    public SendReservation[] Reservations { get; }

    public PacketAction[] Actions { get; }

    public int Count { get; set; }

    /// <summary>
    /// Set by the crypto worker when every packet is processed; the sequential stage waits on it. A batch takes tens
    /// of microseconds to seal, so the waiter spins only briefly (10 SpinWait rounds stay below the point where
    /// SpinWait starts yielding): yielding and sleeping spins burned CPU the crypto workers needed on small machines.
    /// </summary>
    public ManualResetEventSlim Processed { get; } = new(false, spinCount: 10);

    /// <summary>
    /// Empties the batch for reuse. Reservations not consumed by a seal (the batch was abandoned while closing, or a
    /// stage skipped a packet) end here, so a session's keys never wait for a batch that is gone.
    /// </summary>
    public void Reset()
    {
        Array.Clear(Peers, 0, Count);
        for (int i = 0; i < Count; i++)
        {
            SendReservation.Abandon(ref Reservations[i]);
        }
        Count = 0;
        Processed.Reset();
    }
}

/// <summary>What the stages do with one packet of a batch.</summary>
internal enum PacketAction : byte
{
    /// <summary>Nothing more: dropped (and counted) or handled elsewhere.</summary>
    Skip,
    /// <summary>Outbound: seal under the reservation, then send to the peer.</summary>
    Seal,
    /// <summary>Inbound: a transport message to open.</summary>
    Open,
    /// <summary>Outbound: sealed, send it. Inbound: opened, deliver it to the TUN from offset HeadRoom.</summary>
    Write,
}
