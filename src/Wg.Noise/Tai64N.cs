// TAI64N timestamp (12 bytes, big-endian) that the initiator encrypts into its handshake (whitepaper §5.4.2) and
// that the responder requires to grow strictly from one initiation to the next, defeating replayed initiations.
using System.Buffers.Binary;
using WgSharp.Noise.Messages;

namespace WgSharp.Noise;

/// <summary>
/// A TAI64N label: 8 bytes of seconds, then 4 bytes of nanoseconds, both big-endian. The seconds are
/// <c>2^62 + 10 + unix seconds</c> (0x400000000000000a + unix time), the offset WireGuard implementations use
/// (the "+10" is the 10 s by which TAI led UTC when leap seconds began in 1972; later leap seconds are ignored,
/// as every WireGuard implementation ignores them).
/// Because both fields are big-endian, comparing the structs field by field orders them exactly like comparing
/// the 12 encoded bytes, which is what peers do.
/// </summary>
internal readonly struct Tai64N : IEquatable<Tai64N>, IComparable<Tai64N>
{
    /// <summary>Encoded length in bytes.</summary>
    public const int Size = 12;

    /// <summary>TAI64 label of the unix epoch: 2^62 + 10.</summary>
    public const ulong UnixEpochLabel = 0x400000000000000aUL;

    /// <summary>
    /// Nanosecond bits cleared when stamping: the low 24, so stamps move in steps of 2^24 ns (about 16.8 ms).
    /// The responder only needs stamps to grow, and an initiator sends at most one initiation per REKEY_TIMEOUT
    /// (5 s, whitepaper §6.4), so the coarse steps cost nothing; the precise value would tell the peer (and anyone
    /// who later obtains the responder's private key and decrypts a recorded handshake) the initiator's exact
    /// clock: a fingerprint and a timing side channel. wireguard-go and the Linux driver whiten the same way.
    /// </summary>
    public const uint WhitenerMask = (1u << 24) - 1;

    private const long NanosecondsPerTick = 1_000_000_000 / TimeSpan.TicksPerSecond;

    public Tai64N(ulong seconds, uint nanoseconds)
    {
        Seconds = seconds;
        Nanoseconds = nanoseconds;
    }

    /// <summary>The TAI64 label (seconds field as encoded).</summary>
    public ulong Seconds { get; }

    /// <summary>The nanoseconds field as encoded.</summary>
    public uint Nanoseconds { get; }

    /// <summary>Stamps <paramref name="time"/> (wall-clock time passed in by the caller), with whitened nanoseconds.</summary>
    public static Tai64N From(DateTimeOffset time)
    {
        var sinceEpoch = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var unixSeconds = Math.DivRem(sinceEpoch, TimeSpan.TicksPerSecond, out var remainderTicks);
        if (remainderTicks < 0)
        {
            // Before 1970: floor the seconds so the nanoseconds field stays in [0, 1e9).
            unixSeconds--;
            remainderTicks += TimeSpan.TicksPerSecond;
        }

        var nanoseconds = (uint)(remainderTicks * NanosecondsPerTick) & ~WhitenerMask;
        return new Tai64N(UnixEpochLabel + (ulong)unixSeconds, nanoseconds);
    }

    /// <summary>Decodes the first <see cref="Size"/> bytes of <paramref name="source"/>. Throws if it is shorter.</summary>
    public static Tai64N Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            MessageErrors.BufferTooSmall(nameof(source), Size, source.Length);
        }

        return new Tai64N(
            BinaryPrimitives.ReadUInt64BigEndian(source),
            BinaryPrimitives.ReadUInt32BigEndian(source[8..]));
    }

    /// <summary>Encodes into the first <see cref="Size"/> bytes of <paramref name="destination"/>. Throws if it is shorter.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            MessageErrors.BufferTooSmall(nameof(destination), Size, destination.Length);
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, Seconds);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Nanoseconds);
    }

    /// <summary>True if this stamp is strictly later than <paramref name="other"/>: the responder's replay test.</summary>
    public bool IsAfter(Tai64N other) => CompareTo(other) > 0;

    public int CompareTo(Tai64N other)
    {
        var bySeconds = Seconds.CompareTo(other.Seconds);
        return bySeconds != 0 ? bySeconds : Nanoseconds.CompareTo(other.Nanoseconds);
    }

    public bool Equals(Tai64N other) => Seconds == other.Seconds && Nanoseconds == other.Nanoseconds;

    public override bool Equals(object? obj) => obj is Tai64N other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Seconds, Nanoseconds);

    /// <summary>The external TAI64N form: '@' and 24 hex digits.</summary>
    public override string ToString() => $"@{Seconds:x16}{Nanoseconds:x8}";

    public static bool operator ==(Tai64N left, Tai64N right) => left.Equals(right);

    public static bool operator !=(Tai64N left, Tai64N right) => !left.Equals(right);

    public static bool operator <(Tai64N left, Tai64N right) => left.CompareTo(right) < 0;

    public static bool operator >(Tai64N left, Tai64N right) => left.CompareTo(right) > 0;

    public static bool operator <=(Tai64N left, Tai64N right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Tai64N left, Tai64N right) => left.CompareTo(right) >= 0;
}
