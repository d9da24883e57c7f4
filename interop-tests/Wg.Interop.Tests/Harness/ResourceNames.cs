// Machine-unique names for everything the harness creates (namespaces, links, UAPI sockets, temp
// directories): "wgi" + creating pid + kind letter + counter, short enough for a 15-byte IFNAMSIZ name.
using System.Text.RegularExpressions;

namespace WgSharp.Interop.Tests.Harness;

internal static partial class ResourceNames
{
    public const string Prefix = "wgi";

    /// <summary>Linux IFNAMSIZ is 16 including the terminating NUL (netdevice(7)).</summary>
    public const int MaxInterfaceNameLength = 15;

    private static int s_counter;

    public static int OwnerPid { get; } = Environment.ProcessId;

    /// <summary>
    /// Next name of the given kind: 'n' namespace, 'v' veth end, 'w' WireGuard interface, 't' temp
    /// directory. The pid is in the name so a later run can tell a dead run's leftovers from a live one's.
    /// </summary>
    public static string Next(char kind)
    {
        if (kind is < 'a' or > 'z')
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "kind must be a lower-case letter");
        }

        var name = $"{Prefix}{OwnerPid}{kind}{Interlocked.Increment(ref s_counter)}";
        return name.Length <= MaxInterfaceNameLength
            ? name
            : throw new InvalidOperationException($"resource name {name} exceeds {MaxInterfaceNameLength} characters");
    }

    /// <summary>Whether <paramref name="name"/> is one of ours, and if so which process created it.</summary>
    public static bool TryParseOwner(string name, out int pid)
    {
        var match = OwnedName().Match(name);
        pid = match.Success && int.TryParse(match.Groups[1].ValueSpan, out var p) ? p : 0;
        return pid > 0;
    }

    [GeneratedRegex("^wgi([0-9]{1,7})[a-z][0-9]{1,5}$", RegexOptions.CultureInvariant)]
    private static partial Regex OwnedName();
}
