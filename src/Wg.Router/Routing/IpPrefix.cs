// An IP prefix (address + length) in canonical form: host bits are cleared on construction, as
// wg(8) does (`10.0.0.1/24` is stored and printed as `10.0.0.0/24`).
// Why a type of its own next to System.Net.IPNetwork (the prefix the configuration, UAPI and policy rules carry): this
// is the trie's and the policy matcher's key, two words and a length with no object behind it, so a per-packet lookup
// compares integers; IPNetwork wraps an IPAddress. Convert with FromNetwork/ToNetwork; text goes through IpText.
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;

namespace WgSharp.Router.Routing;

[StructLayout(LayoutKind.Auto)]
internal readonly struct IpPrefix : IEquatable<IpPrefix>, IComparable<IpPrefix>, ISpanFormattable
{
    private readonly IpAddressKey _address;
    private readonly byte _length;

    /// <summary>
    /// Creates the prefix, clearing the host bits of <paramref name="address"/>. Throws if the family is
    /// unspecified or <paramref name="length"/> exceeds 32 (IPv4) / 128 (IPv6).
    /// </summary>
    public IpPrefix(IpAddressKey address, int length)
    {
        if (address.Family == IpFamily.Unspecified)
        {
            RoutingThrowHelper.ThrowArgument("The address has no family.", nameof(address));
        }
        if ((uint)length > (uint)address.BitLength)
        {
            RoutingThrowHelper.ThrowArgumentOutOfRange(nameof(length), length, "Prefix length exceeds the address length.");
        }
        _address = address.Mask(length);
        _length = (byte)length;
    }

    /// <summary>The prefix of <paramref name="network"/> (host bits cleared, which a canonical network already has).</summary>
    public static IpPrefix FromNetwork(IPNetwork network) =>
        new(IpAddressKey.FromIPAddress(network.BaseAddress), network.PrefixLength);

    public IPNetwork ToNetwork() => new(_address.ToIPAddress(), _length);

    /// <summary>The network address (host bits zero).</summary>
    public IpAddressKey Address => _address;

    public int Length => _length;

    public IpFamily Family => _address.Family;

    /// <summary>True when this is a single address (/32 or /128).</summary>
    public bool IsHost => _length == _address.BitLength;

    /// <summary>True when <paramref name="address"/> lies inside this prefix.</summary>
    public bool Contains(IpAddressKey address) =>
        address.Family == _address.Family &&
        ((address.High ^ _address.High) & IpAddressKey.MaskHigh(_length)) == 0 &&
        ((address.Low ^ _address.Low) & IpAddressKey.MaskLow(_length)) == 0;

    /// <summary>True when <paramref name="other"/> is equal to or more specific than this prefix.</summary>
    public bool Contains(IpPrefix other) => other._length >= _length && Contains(other._address);

    /// <summary>
    /// Parses "address/length" or a bare address (meaning /32 or /128). Leading and trailing white
    /// space is ignored. On failure <paramref name="error"/> says what is wrong.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out IpPrefix prefix, out string? error)
    {
        prefix = default;
        ReadOnlySpan<char> trimmed = text.Trim();
        if (trimmed.IsEmpty)
        {
            error = "An IP prefix is empty.";
            return false;
        }
        int slash = trimmed.IndexOf('/');
        ReadOnlySpan<char> addressText = slash < 0 ? trimmed : trimmed[..slash];
        if (!IpAddressKey.TryParse(addressText, out IpAddressKey address))
        {
            error = $"'{addressText}' is not a valid IPv4 or IPv6 address (in '{trimmed}').";
            return false;
        }
        int length = address.BitLength;
        if (slash >= 0)
        {
            ReadOnlySpan<char> lengthText = trimmed[(slash + 1)..];
            if (lengthText.IsEmpty || lengthText.Length > 3 || !IsAllDigits(lengthText))
            {
                error = $"Prefix length '{lengthText}' is not a number from 0 to {address.BitLength} (in '{trimmed}').";
                return false;
            }
            length = int.Parse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture);
            if (length > address.BitLength)
            {
                error = $"Prefix length {length} is too long for an {(address.IsV4 ? "IPv4" : "IPv6")} address: the maximum is {address.BitLength} (in '{trimmed}').";
                return false;
            }
        }
        prefix = new IpPrefix(address, length);
        error = null;
        return true;
    }

    public static bool TryParse(ReadOnlySpan<char> text, out IpPrefix prefix) => TryParse(text, out prefix, out _);

    /// <summary>Parses like <see cref="TryParse(ReadOnlySpan{char}, out IpPrefix, out string?)"/>; throws <see cref="FormatException"/> with the reason.</summary>
    public static IpPrefix Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, out IpPrefix prefix, out string? error))
        {
            RoutingThrowHelper.ThrowFormat(error!);
        }
        return prefix;
    }

    private static bool IsAllDigits(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }

    public bool Equals(IpPrefix other) => _length == other._length && _address.Equals(other._address);

    public override bool Equals(object? obj) => obj is IpPrefix other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_address, _length);

    /// <summary>IPv4 before IPv6, then by network address, then shorter prefixes first.</summary>
    public int CompareTo(IpPrefix other)
    {
        int c = _address.CompareTo(other._address);
        return c != 0 ? c : _length.CompareTo(other._length);
    }

    public static bool operator ==(IpPrefix left, IpPrefix right) => left.Equals(right);

    public static bool operator !=(IpPrefix left, IpPrefix right) => !left.Equals(right);

    /// <summary>"address/length", always with the length (as wg(8) prints allowed IPs).</summary>
    public override string ToString() => ToString(null, null);

    public string ToString(string? format, IFormatProvider? formatProvider)
    {
        Span<char> buffer = stackalloc char[50];
        return TryFormat(buffer, out int written, default, null) ? new string(buffer[..written]) : string.Empty;
    }

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (_address.Family == IpFamily.Unspecified)
        {
            charsWritten = 0;
            return true;
        }
        if (!_address.TryFormat(destination, out int addressChars, default, null))
        {
            charsWritten = 0;
            return false;
        }
        bool ok = destination[addressChars..].TryWrite(CultureInfo.InvariantCulture, $"/{_length}", out int lengthChars);
        charsWritten = ok ? addressChars + lengthChars : 0;
        return ok;
    }
}
