// A packet mark with its mask, with the semantics of `ip rule fwmark` and iptables MARK: a rule's Mark
// matches when (mark & Mask) == Value; SetMark makes mark = (mark & ~Mask) | Value.
using System.Globalization;

namespace WgSharp.Tun.Net;

/// <param name="Value">Has no bits outside <paramref name="Mask"/> where it is used (parsers and the policy table refuse it).</param>
/// <param name="Mask">0xffffffff for a bare value.</param>
public readonly record struct Mark(uint Value, uint Mask)
{
    public static Mark Exactly(uint value) => new(value, uint.MaxValue);

    public bool IsValid => (Value & ~Mask) == 0;

    public bool Matches(uint mark) => (mark & Mask) == Value;

    public uint Apply(uint mark) => (mark & ~Mask) | Value;

    /// <summary>"0x200" for a bare value, "0x200/0xff00" with a mask (as the config file and `wgsharp show` write it).</summary>
    public override string ToString() => Mask == uint.MaxValue ? Hex(Value) : $"{Hex(Value)}/{Hex(Mask)}";

    /// <summary>"0x200/0xffffffff": value and mask always (the UAPI extension's form).</summary>
    public string ToMaskedString() => $"{Hex(Value)}/{Hex(Mask)}";

    private static string Hex(uint value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);
}
