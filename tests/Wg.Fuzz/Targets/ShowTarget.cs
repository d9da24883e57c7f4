// `wgsharp show` input: a daemon's `get=1` reply, a blank line, then its `wgsharp-get=1` reply (its
// configuration lines, snapshot=1, the snapshot lines), as UapiClient reads them, then every printer.
// Invariants: only ConfigurationException (-EPROTO) ever comes out of the parsers; what they accept
// formats to text that parses back to the same text; the printers never throw and never print
// private or preshared keys.
using System.Text;
using WgSharp.Cli.Presentation;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;

namespace WgSharp.Fuzz.Targets;

internal sealed class ShowTarget : IFuzzTarget
{
    public void Run(ReadOnlySpan<byte> input)
    {
        string text = Encoding.Latin1.GetString(input);
        int blank = text.IndexOf("\n\n", StringComparison.Ordinal);
        string get = blank < 0 ? text : text[..blank];
        string? routerPart = blank < 0 ? null : text[(blank + 2)..];

        using DeviceSnapshot? snapshot = ParseGet(get, out _);
        if (snapshot is null)
        {
            return;
        }
        string formatted = UapiGetWriter.Format(snapshot);
        using (DeviceSnapshot? again = ParseGet(formatted, out string? why))
        {
            string? reformatted = again is null ? null : UapiGetWriter.Format(again);
            InvariantException.Check(reformatted == formatted, "a get reply does not round-trip: " + (why ?? FirstDifference(formatted, reformatted)));
        }

        RouterInfo? router = routerPart is null ? null : ParseRouter(routerPart);
        var device = new ShownDevice("fuzz0", snapshot, new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero), router);
        foreach (bool colors in (ReadOnlySpan<bool>)[false, true])
        {
            var writer = new ShowWriter(colors, hideKeys: false);
            PrettyPrinter.Write(writer, device);
            DumpPrinter.Write(writer, device, ShowField.Dump, withInterface: true);
            foreach ((string _, PolicyView view) in PolicyViews.Names)
            {
                PolicyPrinter.WriteView(writer, device, view, withInterface: true);
            }
            var hidden = new ShowWriter(colors, hideKeys: true);
            PrettyPrinter.Write(hidden, device);
            string shown = hidden.Written;
            if (snapshot.PrivateKey is { } key)
            {
                InvariantException.Check(!shown.Contains(key.ExportBase64(), StringComparison.Ordinal), "show printed the private key");
            }
        }
    }

    private static DeviceSnapshot? ParseGet(string reply, out string? why)
    {
        why = null;
        using var parser = new UapiGetParser();
        try
        {
            // The blank line that ends a reply on the socket is not part of it (UapiGetWriter.Format ends with '\n').
            string body = reply.TrimEnd('\n');
            foreach (string line in body.Length == 0 ? [] : body.Split('\n'))
            {
                parser.AddLine(line);
            }
        }
        catch (ConfigurationException e)
        {
            InvariantException.Check(e.Errno == ConfigurationErrno.ProtocolError, $"a malformed reply gave errno {e.Errno}");
            why = e.Message;
            return null;
        }
        return parser.TakeSnapshot();
    }

    private static RouterInfo? ParseRouter(string reply)
    {
        var configurationParser = new RouterConfigurationParser();
        RouterSnapshotParser? snapshotParser = null;
        try
        {
            foreach (string line in reply.Split('\n'))
            {
                if (snapshotParser is not null)
                {
                    snapshotParser.AddLine(line);
                }
                else if (line == "snapshot=1")
                {
                    snapshotParser = new RouterSnapshotParser();
                }
                else if (!configurationParser.AddLine(line))
                {
                    return null;
                }
            }
            if (snapshotParser is null || configurationParser.Finish() is not { } configuration)
            {
                return null;
            }
            RouterSnapshot routerSnapshot = snapshotParser.Finish();
            var written = new StringBuilder();
            RouterSnapshotWriter.Write(routerSnapshot, written);
            var reparser = new RouterSnapshotParser();
            foreach (string line in written.ToString().TrimEnd('\n').Split('\n'))
            {
                reparser.AddLine(line);
            }
            var rewritten = new StringBuilder();
            RouterSnapshotWriter.Write(reparser.Finish(), rewritten);
            InvariantException.Check(rewritten.ToString() == written.ToString(), "a router snapshot does not round-trip");
            return new RouterInfo(configuration, routerSnapshot);
        }
        catch (ConfigurationException e)
        {
            InvariantException.Check(e.Errno == ConfigurationErrno.ProtocolError, $"a malformed snapshot gave errno {e.Errno}");
            return null;
        }
    }

    private static string FirstDifference(string expected, string? actual)
    {
        if (actual is null)
        {
            return "the formatted reply does not parse";
        }
        string[] a = expected.Split('\n'), b = actual.Split('\n');
        for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            string x = i < a.Length ? a[i] : "<none>", y = i < b.Length ? b[i] : "<none>";
            if (x != y)
            {
                return $"line {i + 1}: '{UapiSyntax.Printable(x)}' became '{UapiSyntax.Printable(y)}'";
            }
        }
        return "";
    }
}
