// A packet mark with its mask ("0x200/0xff00"), as [Rule] Mark matches it ((mark & Mask) == Value)
// and SetMark sets it (mark = (mark & ~Mask) | Value); like `ip rule fwmark` and iptables MARK.
using System.Globalization;

namespace WgSharp.Cli.Configuration;

/// <param name="Value">Never has bits outside <paramref name="Mask"/> (the parser refuses that).</param>
/// <param name="Mask">0xffffffff when the file gave no mask.</param>
internal readonly record struct MarkValue(uint Value, uint Mask)
{
    public override string ToString() => Mask == uint.MaxValue
        ? "0x" + Value.ToString("x", CultureInfo.InvariantCulture)
        : $"0x{Value.ToString("x", CultureInfo.InvariantCulture)}/0x{Mask.ToString("x", CultureInfo.InvariantCulture)}";
}
