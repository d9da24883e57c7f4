// The [Interface] MssClamp value: off, auto, or a fixed MSS in bytes.
namespace WgSharp.Cli.Configuration;

/// <param name="Bytes">The MSS when <paramref name="Mode"/> is <see cref="MssClampMode.Fixed"/>; otherwise 0.</param>
internal readonly record struct MssClampSetting(MssClampMode Mode, ushort Bytes)
{
    /// <summary>Smallest MSS accepted: the size every IPv4 host must take (RFC 9293 section 3.7.1).</summary>
    public const int MinBytes = 536;

    /// <summary>Largest: a 65535-byte IPv4 packet minus 40 bytes of IPv4 and TCP headers.</summary>
    public const int MaxBytes = 65495;

    public static MssClampSetting Off => new(MssClampMode.Off, 0);

    public static MssClampSetting Auto => new(MssClampMode.Auto, 0);

    public override string ToString() => Mode switch
    {
        MssClampMode.Auto => "auto",
        MssClampMode.Fixed => Bytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "off",
    };
}
