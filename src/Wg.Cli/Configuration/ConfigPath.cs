// Where a configuration file is and which interface it configures, by wg-quick's rules: a bare
// interface name means /etc/wireguard/<name>.conf, and a file must be named <interface>.conf, an
// interface name being 1-15 of [a-zA-Z0-9_=+.-]; plus wg-quick's warning for world-accessible files.
namespace WgSharp.Cli.Configuration;

internal static class ConfigPath
{
    public const string DefaultDirectory = "/etc/wireguard";

    /// <summary>IFNAMSIZ - 1.</summary>
    public const int MaxInterfaceNameLength = 15;

    /// <summary>The file to read for <paramref name="nameOrPath"/>, with every symbolic link resolved
    /// (wg-quick's readlink -f), and the interface it is for (named after the path as given).</summary>
    /// <exception cref="ConfigException">The file does not exist, or its name is not "interface.conf".</exception>
    public static string Resolve(string nameOrPath, out string interfaceName, string directory = DefaultDirectory)
    {
        string path = IsValidInterfaceName(nameOrPath) ? Path.Combine(directory, nameOrPath + ".conf") : nameOrPath;
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new ConfigException(new ConfigError("", 0, $"`{path}' does not exist"));
        }

        string fileName = path[(path.LastIndexOf('/') + 1)..];
        if (!fileName.EndsWith(".conf", StringComparison.Ordinal) || !IsValidInterfaceName(fileName.AsSpan()[..^".conf".Length]))
        {
            throw new ConfigException(new ConfigError("", 0, "The config file must be a valid interface name, followed by .conf"));
        }

        interfaceName = fileName[..^".conf".Length];
        return RealPath(path);
    }

    /// <summary>1-15 characters of [a-zA-Z0-9_=+.-] (wg-quick's rule).</summary>
    public static bool IsValidInterfaceName(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > MaxInterfaceNameLength)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '=' or '+' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>wg-quick's "Warning: `path' is world accessible" when the file and its directory both
    /// grant others some access in common (their "other" permission bits intersect); null otherwise.</summary>
    public static string? WorldAccessibleWarning(string path)
    {
        const UnixFileMode Others = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        string directory = Path.GetDirectoryName(path) is { Length: > 0 } parent ? parent : "/";
        try
        {
            UnixFileMode common = File.GetUnixFileMode(path) & File.GetUnixFileMode(directory) & Others;
            return common == 0 ? null : $"Warning: `{path}' is world accessible";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // readlink -f: an absolute path with every symbolic link on the way resolved (a link's target is
    // resolved in turn, component by component from the root).
    private static string RealPath(string path, int depth = 0)
    {
        string[] parts = Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries);
        string resolved = "/";
        for (int i = 0; i < parts.Length; i++)
        {
            string next = Path.Combine(resolved, parts[i]);
            if (depth < 40 && new FileInfo(next).LinkTarget is { } target)
            {
                string rest = string.Join('/', parts[(i + 1)..]);
                return RealPath(Path.Combine(Path.GetFullPath(target, resolved), rest), depth + 1);
            }

            resolved = next;
        }

        return resolved;
    }
}
