// Which ports (or ICMP identifiers) a new NAT flow may use for its reply tuple's destination port when
// the one it asked for is taken: a range and a bound on the attempts.
using System.Runtime.InteropServices;

namespace WgSharp.Router.Nat;

[StructLayout(LayoutKind.Auto)]
internal readonly struct PortSearch
{
    public PortSearch(ushort first, ushort last, int maxAttempts)
    {
        if (first > last)
        {
            NatThrowHelper.ThrowArgument("The port range is reversed.", nameof(last));
        }
        if (maxAttempts < 1)
        {
            NatThrowHelper.ThrowArgumentOutOfRange(nameof(maxAttempts), maxAttempts, "At least one attempt.");
        }
        First = first;
        Last = last;
        MaxAttempts = maxAttempts;
    }

    /// <summary>No alternative: the reply tuple is used as given or the flow is refused.</summary>
    public static PortSearch None => default;

    public ushort First { get; }

    public ushort Last { get; }

    /// <summary>Candidates tried after the requested port (0 for <see cref="None"/>).</summary>
    public int MaxAttempts { get; }

    public bool IsNone => MaxAttempts == 0;

    public int Size => Last - First + 1;
}
