// Reads the snapshot part of a `wgsharp-get=1` reply (after snapshot=1) into a RouterSnapshot, as
// strictly as the daemon reads configurations: a line it does not understand makes the reply malformed.
//
// Format, version 1 (the version is the reply's configuration part's):
//   flow_count=<n>  flow_capacity=<n>       once each, first
//   counter=<lower_snake_case>:<n>          repeated, in the device's order
//   rule_status=<config line>               then description=<percent-encoded> packets=<n> bytes=<n>
//   flow=<protocol>                         then original_source= original_destination= reply_source=
//                                           reply_destination= (ip:port, [ipv6]:port) state=<percent-encoded>
//                                           peer=<hex> (optional) assured=true|false expires_ms=<n>
//   when_up_peer=<64 hex>                   then live=true|false
using System.Net;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Uapi;

internal sealed class RouterSnapshotParser
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly List<RouterRuleStatus> _rules = [];
    private readonly List<RouterFlow> _flows = [];
    private readonly List<KeyValuePair<string, ulong>> _counters = [];
    private readonly List<KeyValuePair<PublicKey, bool>> _whenUp = [];
    private readonly Dictionary<string, string> _fields = new(StringComparer.Ordinal); // of the current section
    private string? _section; // the key that started it: rule_status, flow, when_up_peer; null before any
    private string _sectionValue = "";
    private int? _flowCount;
    private int? _flowCapacity;

    /// <summary>Whether <paramref name="name"/> is a counter name: lower_snake_case, 1-64 characters.</summary>
    public static bool IsCounterName(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > 64 || !char.IsAsciiLetterLower(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <exception cref="ConfigurationException">-EPROTO: the line is malformed.</exception>
    public void AddLine(ReadOnlySpan<char> line)
    {
        if (!UapiSyntax.TrySplit(line, out ReadOnlySpan<char> key, out ReadOnlySpan<char> value))
        {
            throw Malformed("a line is not key=value");
        }

        switch (key)
        {
            case "flow_count":
            case "flow_capacity":
                if (_section is not null || _counters.Count > 0 || !_seen.Add(key.ToString()))
                {
                    throw Malformed($"{key} out of place");
                }

                int number = (int)Number(value, int.MaxValue, key);
                if (key.SequenceEqual("flow_count"))
                {
                    _flowCount = number;
                }
                else
                {
                    _flowCapacity = number;
                }

                return;

            case "counter":
                int colon = value.IndexOf(':');
                if (_section is not null || colon < 0 || !IsCounterName(value[..colon]))
                {
                    throw Malformed("counter is not name:value or out of place");
                }

                _counters.Add(new(value[..colon].ToString(), Number(value[(colon + 1)..], ulong.MaxValue, "counter")));
                return;

            case "rule_status":
            case "flow":
            case "when_up_peer":
                EndSection();
                _section = key.ToString();
                _sectionValue = value.ToString();
                return;
        }

        if (_section is null || !_fields.TryAdd(key.ToString(), value.ToString()))
        {
            throw Malformed($"'{UapiSyntax.Printable(key)}' is unknown, repeated or out of place");
        }
    }

    /// <summary>The snapshot read.</summary>
    /// <exception cref="ConfigurationException">-EPROTO: the reply is incomplete.</exception>
    public RouterSnapshot Finish()
    {
        EndSection();
        if (_flowCount is not { } count || _flowCapacity is not { } capacity)
        {
            throw Malformed("flow_count or flow_capacity missing");
        }

        return new RouterSnapshot
        {
            Rules = [.. _rules],
            Flows = [.. _flows],
            FlowCount = count,
            FlowCapacity = capacity,
            Counters = [.. _counters],
            WhenUpPeers = [.. _whenUp],
        };
    }

    private void EndSection()
    {
        switch (_section)
        {
            case "rule_status":
                _rules.Add(new RouterRuleStatus(
                    (int)Number(_sectionValue, int.MaxValue, "rule_status"),
                    Text(Take("description")),
                    Number(Take("packets"), ulong.MaxValue, "packets"),
                    Number(Take("bytes"), ulong.MaxValue, "bytes")));
                break;

            case "flow":
                string? peerHex = _fields.Remove("peer", out string? p) ? p : null;
                _flows.Add(new RouterFlow(
                    (byte)Number(_sectionValue, byte.MaxValue, "flow"),
                    Endpoint(Take("original_source")),
                    Endpoint(Take("original_destination")),
                    Endpoint(Take("reply_source")),
                    Endpoint(Take("reply_destination")),
                    Text(Take("state")),
                    peerHex is null ? null : Key(peerHex),
                    Bool(Take("assured")),
                    TimeSpan.FromMilliseconds(Number(Take("expires_ms"), long.MaxValue / TimeSpan.TicksPerMillisecond, "expires_ms"))));
                break;

            case "when_up_peer":
                _whenUp.Add(new(Key(_sectionValue), Bool(Take("live"))));
                break;
        }

        if (_fields.Count > 0)
        {
            throw Malformed($"'{UapiSyntax.Printable(_fields.Keys.First())}' does not belong in a {_section ?? "snapshot"} section");
        }

        _section = null;
    }

    private string Take(string key) =>
        _fields.Remove(key, out string? value) ? value : throw Malformed($"a {_section} section has no {key}");

    private static ulong Number(ReadOnlySpan<char> value, ulong max, ReadOnlySpan<char> key) =>
        UapiSyntax.TryParseDecimal(value, max, out ulong number) ? number : throw Malformed($"{key} is not a number in range");

    private static string Text(string value) =>
        PercentText.TryDecode(value, out string text) ? text : throw Malformed("a text value is not percent-encoded UTF-8");

    private static IPEndPoint Endpoint(string value) =>
        IpText.TryParseEndpoint(value, out IPEndPoint endpoint) ? endpoint : throw Malformed("an endpoint is not ip:port");

    private static PublicKey Key(string value) =>
        PublicKey.TryParseHex(value, out PublicKey key) ? key : throw Malformed("a public key is not 64 hex digits");

    private static bool Bool(string value) => value switch
    {
        "true" => true,
        "false" => false,
        _ => throw Malformed("a flag is not true or false"),
    };

    private static ConfigurationException Malformed(string message) =>
        new(ConfigurationErrno.ProtocolError, "malformed wgsharp-get reply: " + message);
}
