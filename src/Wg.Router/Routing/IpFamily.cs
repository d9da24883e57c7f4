// The address family of an IpAddressKey / IpPrefix. Values are the IP version numbers so that
// `(IpFamily)(packet[0] >> 4)` maps a packet's version nibble straight onto it.
namespace WgSharp.Router.Routing;

public enum IpFamily : byte
{
    /// <summary>default(IpAddressKey): no address.</summary>
    Unspecified = 0,
    V4 = 4,
    V6 = 6,
}
