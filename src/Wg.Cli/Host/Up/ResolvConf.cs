// DNS through resolvconf(8), as wg-quick does it: `resolvconf -a <prefix><ifname> -m 0 -x` fed
// "nameserver"/"search" lines, `resolvconf -d <prefix><ifname> -f` to undo; the prefix comes from
// /etc/resolvconf/interface-order (Debian's resolvconf orders "tun*" records first, hence "tun.wg0").
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Host;

internal static partial class ResolvConf
{
    public const string InterfaceOrderFile = "/etc/resolvconf/interface-order";

    /// <summary>resolvconf on the PATH; null when it is not installed.</summary>
    public static string? Find()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':'))
        {
            string candidate = Path.Combine(directory.Length == 0 ? "." : directory, "resolvconf");
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>"tun." from the first "name*" line of interface-order (wg-quick's resolvconf_iface_prefix); "" without one.</summary>
    public static string InterfacePrefix(string orderFile = InterfaceOrderFile)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(orderFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }

        foreach (string line in lines)
        {
            Match match = WildcardLine().Match(line.Trim());
            if (match.Success)
            {
                return match.Groups[1].Value + ".";
            }
        }

        return "";
    }

    /// <summary>What resolvconf -a reads: one "nameserver" line per server, then one "search" line.</summary>
    public static string Records(IReadOnlyList<IPAddress> servers, IReadOnlyList<string> search)
    {
        var text = new StringBuilder();
        foreach (IPAddress server in servers)
        {
            text.Append("nameserver ").Append(IpText.Format(server)).Append('\n');
        }

        if (search.Count > 0)
        {
            text.Append("search ").AppendJoin(' ', search).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Registers the DNS servers; returns the record name, or null (with a warning) without resolvconf.</summary>
    /// <exception cref="QuickException">resolvconf failed.</exception>
    public static string? Register(string interfaceName, IReadOnlyList<IPAddress> servers, IReadOnlyList<string> search, QuickConsole console)
    {
        if (servers.Count == 0)
        {
            return null;
        }

        string? program = Find();
        if (program is null)
        {
            console.Warning($"DNS = {string.Join(", ", servers.Select(IpText.Format).Concat(search))} is NOT in effect: "
                + "resolvconf(8) is not installed (install resolvconf or openresolv, or set the resolver yourself in PostUp)");
            return null;
        }

        string name = InterfacePrefix() + interfaceName;
        console.Command($"resolvconf -a {name} -m 0 -x");
        int status = Run(program, ["-a", name, "-m", "0", "-x"], Records(servers, search));
        if (status != 0)
        {
            throw new QuickException($"resolvconf -a {name} failed with exit status {status}");
        }

        return name;
    }

    /// <summary>Removes the record; false (after a warning) when resolvconf fails or is gone.</summary>
    public static bool Unregister(string name, QuickConsole console)
    {
        string? program = Find();
        if (program is null)
        {
            console.Warning($"cannot remove DNS record {name}: resolvconf(8) is no longer installed");
            return false;
        }

        console.Command($"resolvconf -d {name} -f");
        int status = Run(program, ["-d", name, "-f"], null);
        if (status != 0)
        {
            console.Warning($"resolvconf -d {name} failed with exit status {status}");
            return false;
        }

        return true;
    }

    private static int Run(string program, string[] arguments, string? input)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardInput = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new QuickException("cannot start resolvconf");
        if (input is not null)
        {
            process.StandardInput.Write(input);
        }

        process.StandardInput.Close();
        process.WaitForExit();
        return process.ExitCode;
    }

    [GeneratedRegex("^([A-Za-z0-9-]+)\\*$", RegexOptions.CultureInvariant)]
    private static partial Regex WildcardLine();
}
