// A packet mark with its mask, with the semantics of `ip rule fwmark` and iptables MARK: a rule's Mark
// matches when (mark & Mask) == Value; SetMark makes mark = (mark & ~Mask) | Value.
using System.Globalization;

namespace WgSharp.Router.Policy;

/// <param name="Value">Must have no bits outside <paramref name="Mask"/> (<see cref="PolicyTable{TPeer}.Build"/> refuses it).</param>
/// <param name="Mask">0xffffffff for a bare value.</param>
internal readonly record struct PolicyMark(uint Value, uint Mask)
{
    public static PolicyMark Exactly(uint value) => new(value, uint.MaxValue);

    public bool IsValid => (Value & ~Mask) == 0;

    public bool Matches(uint mark) => (mark & Mask) == Value;

    public uint Apply(uint mark) => (mark & ~Mask) | Value;

    public override string ToString() => Mask == uint.MaxValue
        ? "0x" + Value.ToString("x", CultureInfo.InvariantCulture)
        : $"0x{Value.ToString("x", CultureInfo.InvariantCulture)}/0x{Mask.ToString("x", CultureInfo.InvariantCulture)}";
}
