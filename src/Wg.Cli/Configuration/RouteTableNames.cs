// Routing table names as iproute2 knows them: the reserved ones, /etc/iproute2/rt_tables and
// rt_tables.d/*.conf (and /usr/share/iproute2, where iproute2 >= 6.5 keeps its defaults).
namespace WgSharp.Cli.Configuration;

internal static class RouteTableNames
{
    private static readonly string[] Files = ["/usr/share/iproute2/rt_tables", "/etc/iproute2/rt_tables"];
    private static readonly string[] Directories = ["/usr/share/iproute2/rt_tables.d", "/etc/iproute2/rt_tables.d"];

    /// <summary>The number of the table named <paramref name="name"/> (case-sensitive, as ip); null when unknown.</summary>
    public static uint? Lookup(string name)
    {
        switch (name)
        {
            case "local": return 255;
            case "main": return 254;
            case "default": return 253;
            case "unspec": return 0;
        }

        uint? found = null;
        foreach (string path in Files.Concat(Directories.SelectMany(ConfFiles)))
        {
            found = LookupIn(path, name) ?? found;
        }

        return found;
    }

    /// <summary>The number of <paramref name="name"/> in one rt_tables-format file ("number name" lines,
    /// '#' comments, numbers decimal or 0x hex); null when the file lacks it or cannot be read.</summary>
    public static uint? LookupIn(string path, string name)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        foreach (string line in lines)
        {
            string text = line.Split('#', 2)[0];
            string[] fields = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && fields[1] == name && ConfigValues.TryParseNumber(fields[0], uint.MaxValue, out ulong id))
            {
                return (uint)id;
            }
        }

        return null;
    }

    private static IEnumerable<string> ConfFiles(string directory)
    {
        try
        {
            return Directory.Exists(directory)
                ? Directory.GetFiles(directory, "*.conf").Order(StringComparer.Ordinal).ToArray()
                : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
