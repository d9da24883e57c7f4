// The UAPI `set=1` parser and the `wgsharp-set=1` extension, applied to a running in-memory device.
// Input byte 0 picks the request (even: set, odd: wgsharp-set); the rest is its lines (Latin-1, '\n').
// Invariants: a refused request (by the parser or by the device) changes nothing the device reports; an
// error message never repeats a key's value; an accepted router configuration round-trips through its
// writer (parse, format, parse, format gives the same text).
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;
using WgSharp.Router.Device;
using WgSharp.Tun.InMemory;

namespace WgSharp.Fuzz.Targets;

internal sealed class UapiSetTarget : IFuzzTarget
{
    private readonly InMemoryUdpNetwork _network = new();
    private readonly WireGuardDevice _device;

    public UapiSetTarget()
    {
        var address = System.Net.IPAddress.Parse("10.9.0.1");
        // A port that is taken, so "port in use" refusals are reachable.
        _network.Bind(address, null, 4000, 16);
        _device = new WireGuardDevice(new InMemoryTun("fuzz0", capacity: 16), port => _network.Bind(address, null, port, 16),
            NullLogger.Instance, new ManualTime(), new FixedRandom(3));
        _device.Start(51820);
    }

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        string[] lines = Encoding.Latin1.GetString(input[1..]).Split('\n');
        string before = DeviceState();
        if ((input[0] & 1) == 0)
        {
            Set(lines, before);
        }
        else
        {
            RouterSet(lines, before);
        }
    }

    private void Set(string[] lines, string before)
    {
        using var parser = new UapiSetParser();
        foreach (string line in lines)
        {
            if (!parser.AddLine(line))
            {
                break;
            }
        }
        if (parser.Errno != 0)
        {
            CheckNoSecret(parser.ErrorMessage, lines);
            InvariantException.Check(DeviceState() == before, "a refused set changed the device");
            return;
        }

        using DeviceUpdate update = parser.TakeUpdate();
        try
        {
            _device.Apply(update);
        }
        catch (ConfigurationException e)
        {
            CheckNoSecret(e.Message, lines);
            InvariantException.Check(DeviceState() == before, $"a set refused by the device ({e.Message}) changed it");
            return;
        }

        // Start the next input from a device without peers, so state does not pile up.
        using var reset = new DeviceUpdate { ReplacePeers = true };
        _device.Apply(reset);
    }

    private void RouterSet(string[] lines, string before)
    {
        var parser = new RouterConfigurationParser();
        foreach (string line in lines)
        {
            if (!parser.AddLine(line))
            {
                break;
            }
        }
        RouterConfiguration? configuration = parser.Finish();
        if (configuration is null)
        {
            InvariantException.Check(parser.Errno != 0 && parser.ErrorMessage is not null, "a refused configuration without an error");
            CheckNoSecret(parser.ErrorMessage, lines);
            InvariantException.Check(DeviceState() == before, "a refused wgsharp-set changed the device");
            return;
        }

        string text = Format(configuration);
        RouterConfiguration again = RouterConfigurationParser.Parse(text);
        InvariantException.Check(Format(again) == text, "a router configuration does not round-trip through its writer");

        try
        {
            _device.SetRouterConfiguration(configuration);
        }
        catch (ConfigurationException e)
        {
            InvariantException.Check(DeviceState() == before, $"a router configuration refused by the device ({e.Message}) changed it");
            return;
        }
        _device.SetRouterConfiguration(RouterConfiguration.Empty);
    }

    private string DeviceState()
    {
        using DeviceSnapshot snapshot = _device.GetSnapshot();
        return UapiGetWriter.Format(snapshot) + Format(_device.RouterConfiguration);
    }

    private static string Format(RouterConfiguration configuration)
    {
        var text = new StringBuilder();
        RouterConfigurationWriter.Write(configuration, text);
        return text.ToString();
    }

    // Error messages reach logs: a refused private_key or preshared_key line must not be quoted in one. (Values
    // of other keys are quoted, shortened, by design; a key pasted into another field is the client's doing.)
    private static void CheckNoSecret(string? message, string[] lines)
    {
        if (message is null || !message.StartsWith("line ", StringComparison.Ordinal))
        {
            return;
        }
        int colon = message.IndexOf(':');
        // The parsers count lines from the one after the request line; here that is lines[0].
        if (colon < 0 || !int.TryParse(message.AsSpan(5, colon - 5), out int number) || number < 1 || number > lines.Length)
        {
            return;
        }
        string line = lines[number - 1];
        int equals = line.IndexOf('=');
        if (equals > 0 && line[..equals] is "private_key" or "preshared_key")
        {
            string value = line[(equals + 1)..];
            for (int i = 0; i + 8 <= value.Length; i++)
            {
                InvariantException.Check(!message.Contains(value.Substring(i, 8), StringComparison.Ordinal),
                    $"the error about a {line[..equals]} line quotes its value");
            }
        }
    }
}
