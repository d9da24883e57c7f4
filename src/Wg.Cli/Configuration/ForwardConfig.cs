// One WgSharp [Forward] section: a port forward from the tunnel side to a local host
// (packets from peers for the interface address on Port go to To).
using System.Net;
using WgSharp.Cli.Uapi;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Configuration;

internal sealed class ForwardConfig
{
    public ForwardConfig(int line) => Line = line;

    /// <summary>The line of the [Forward] header.</summary>
    public int Line { get; }

    /// <summary>6 (tcp) or 17 (udp); 0 until set (a parsed configuration always has it).</summary>
    public byte Protocol { get; set; }

    public PortRange Port { get; set; }

    /// <summary>The local host; null until set (a parsed configuration always has it).</summary>
    public IPAddress? ToAddress { get; set; }

    /// <summary>null: the same port(s) as <see cref="Port"/>.</summary>
    public ushort? ToPort { get; set; }

    /// <summary>"192.168.2.10:80", "[fd00::10]:80", or the bare address when the port is kept.</summary>
    public string FormatTo() => ToAddress is null ? ""
        : ToPort is { } port ? IpText.Format(new IPEndPoint(ToAddress, port)) : IpText.Format(ToAddress);
}
