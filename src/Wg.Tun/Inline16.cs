// Sixteen inline bytes: room for an IPv6 address (or an IPv4 one in the first four) without a heap object.
using System.Runtime.CompilerServices;

namespace WgSharp.Tun;

[InlineArray(16)]
internal struct Inline16
{
    private byte _element0;
}
