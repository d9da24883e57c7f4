// Which address family carries the encrypted UDP between two peers (the "outer" packets).
namespace WgSharp.Interop.Tests.Harness;

public enum EndpointFamily
{
    V4,
    V6,
}
