// One WgSharp [Forward] section: a port forward from the tunnel side to a local host (packets from peers for the
// interface address on Port go to To), held in the router's own model as the keys are read.
using System.Net;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Configuration;

internal sealed class ForwardConfig
{
    // Until its key is read: protocol 0, ports 0-0, and this address, told apart from any parsed one by identity.
    private static readonly IPAddress NoAddress = new(0);

    public ForwardConfig(int line) => Forward = new RouterForward(0, default, NoAddress, null) { Line = line };

    /// <summary>The forward as the router takes it, changed key by key by the parser.</summary>
    public RouterForward Forward { get; set; }

    /// <summary>The line of the [Forward] header.</summary>
    public int Line => Forward.Line;

    /// <summary>6 (tcp) or 17 (udp); 0 until set (a parsed configuration always has it).</summary>
    public byte Protocol => Forward.Protocol;

    public PortRange Port => Forward.Port;

    /// <summary>The local host; null until set (a parsed configuration always has it).</summary>
    public IPAddress? ToAddress => ReferenceEquals(Forward.To, NoAddress) ? null : Forward.To;

    /// <summary>null: the same port(s) as <see cref="Port"/>.</summary>
    public ushort? ToPort => Forward.ToPort;

    /// <summary>"192.168.2.10:80", "[fd00::10]:80", or the bare address when the port is kept.</summary>
    public string FormatTo() => ToAddress is not { } address ? ""
        : ToPort is { } port ? IpText.Format(new IPEndPoint(address, port)) : IpText.Format(address);
}
