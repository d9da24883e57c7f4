// [Fact] that runs only as root with iproute2 available: the kernel tests create namespaces and interfaces.
namespace WgSharp.Tun.Tests.Support;

internal sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!IsRootWithIproute2)
        {
            Skip = "needs root and iproute2 (creates network namespaces)";
        }
    }

    public static bool IsRootWithIproute2 =>
        OperatingSystem.IsLinux() && TestLibC.GetEuid() == 0 && (File.Exists("/usr/sbin/ip") || File.Exists("/sbin/ip") || File.Exists("/usr/bin/ip"));
}

internal sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
    {
        if (!RootFactAttribute.IsRootWithIproute2)
        {
            Skip = "needs root and iproute2 (creates network namespaces)";
        }
    }
}
