// An in-memory "internet" for InMemoryUdpBind: binds register by address and port, datagrams go between them.
using System.Net;
using WgSharp.Tun.Interop;

namespace WgSharp.Tun.InMemory;

/// <summary>
/// Several <see cref="InMemoryUdpBind"/>s, each owning an IPv4 and/or IPv6 address, exchange datagrams by
/// <see cref="UdpEndpoint"/>. Delivery is immediate and in order; a datagram to an address/port nobody bound,
/// to a full queue, or refused by <see cref="Filter"/> is lost, as UDP would lose it, and counted.
/// Thread safety: all members may be used from any thread.
/// </summary>
internal sealed class InMemoryUdpNetwork
{
    private const ushort FirstEphemeralPort = 49152;

    private readonly object _lock = new();
    private readonly Dictionary<UdpEndpoint, InMemoryUdpBind> _bound = new(); // guarded by _lock; keys carry no source
    private ushort _nextEphemeral = FirstEphemeralPort; // guarded by _lock
    private long _lost;

    /// <summary>When set, a datagram from the first endpoint to the second is delivered only if this returns true.</summary>
    public Func<UdpEndpoint, UdpEndpoint, bool>? Filter { get; set; }

    /// <summary>Datagrams that reached nobody.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    /// <summary>
    /// Binds <paramref name="port"/> (0: the next free ephemeral port) on the given addresses, at least one of
    /// which must be set. A taken port throws <see cref="UdpBindException"/> with EADDRINUSE, like the kernel.
    /// </summary>
    public InMemoryUdpBind Bind(IPAddress? ipv4, IPAddress? ipv6, ushort port = 0, int capacity = 1024)
    {
        if (ipv4 is null && ipv6 is null)
        {
            ThrowHelper.ThrowArgument("A bind needs an IPv4 or an IPv6 address.", nameof(ipv4));
        }
        if (ipv4 is not null && ipv4.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            ThrowHelper.ThrowArgument("Not an IPv4 address.", nameof(ipv4));
        }
        if (ipv6 is not null && ipv6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            ThrowHelper.ThrowArgument("Not an IPv6 address.", nameof(ipv6));
        }
        lock (_lock)
        {
            if (port == 0)
            {
                port = NextFreePort(ipv4, ipv6);
            }
            UdpEndpoint? key4 = ipv4 is null ? null : UdpEndpoint.FromIPEndPoint(new IPEndPoint(ipv4, port));
            UdpEndpoint? key6 = ipv6 is null ? null : UdpEndpoint.FromIPEndPoint(new IPEndPoint(ipv6, port));
            if ((key4 is { } k4 && _bound.ContainsKey(k4)) || (key6 is { } k6 && _bound.ContainsKey(k6)))
            {
                throw new UdpBindException($"UDP port {port} is already in use on the in-memory network.", LibC.EADDRINUSE);
            }
            var bind = new InMemoryUdpBind(this, key4, key6, port, capacity);
            if (key4 is { } a)
            {
                _bound.Add(a, bind);
            }
            if (key6 is { } b)
            {
                _bound.Add(b, bind);
            }
            return bind;
        }
    }

    internal void Unregister(InMemoryUdpBind bind)
    {
        lock (_lock)
        {
            if (bind.LocalIPv4 is { } a)
            {
                _bound.Remove(a);
            }
            if (bind.LocalIPv6 is { } b)
            {
                _bound.Remove(b);
            }
        }
    }

    internal void Deliver(UdpEndpoint from, UdpEndpoint to, ReadOnlySpan<byte> datagram)
    {
        InMemoryUdpBind? target;
        UdpEndpoint key = to.WithoutSource();
        lock (_lock)
        {
            _bound.TryGetValue(key, out target);
        }
        if (target is null || Filter?.Invoke(from, key) == false || !target.Enqueue(from, key, datagram))
        {
            Interlocked.Increment(ref _lost);
        }
    }

    private ushort NextFreePort(IPAddress? ipv4, IPAddress? ipv6)
    {
        for (int tries = 0; tries < ushort.MaxValue - FirstEphemeralPort + 1; tries++)
        {
            ushort candidate = _nextEphemeral;
            _nextEphemeral = candidate == ushort.MaxValue ? FirstEphemeralPort : (ushort)(candidate + 1);
            bool taken = (ipv4 is not null && _bound.ContainsKey(UdpEndpoint.FromIPEndPoint(new IPEndPoint(ipv4, candidate))))
                || (ipv6 is not null && _bound.ContainsKey(UdpEndpoint.FromIPEndPoint(new IPEndPoint(ipv6, candidate))));
            if (!taken)
            {
                return candidate;
            }
        }
        throw new UdpBindException("No free port left on the in-memory network.", LibC.EADDRINUSE);
    }
}
