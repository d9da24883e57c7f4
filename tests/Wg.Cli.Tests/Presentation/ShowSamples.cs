// A fixed device for the show tests: three peers that exercise every line wg's show prints (hidden
// keys, IPv6 and ::/96 prefixes, every duration unit, every byte unit, a peer without allowed IPs),
// reported in an order that is not the handshake order, plus an in-process runner for commands.
using System.Net;
using System.Text;
using WgSharp.Cli.Tests.Support;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Tests.Show;

internal static class ShowSamples
{
    /// <summary>2024-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_704_067_200);

    public static string Pub(int seed) => TestKeys.Public(seed).ToBase64();

    public static string B64(byte[] key) => Convert.ToBase64String(key);

    public static string OwnPublic
    {
        get
        {
            using var key = PrivateKey.FromBytes(TestKeys.Private(1));
            return key.ComputePublicKey().ToBase64();
        }
    }

    /// <summary>Peers reported as Pub(2), Pub(1), Pub(3); by handshake they sort Pub(1), Pub(3), Pub(2).</summary>
    public static FakeState State(DateTimeOffset now) => new()
    {
        PrivateKey = TestKeys.Private(1),
        ListenPort = 51820,
        FirewallMark = 0x20,
        Peers =
        [
            new FakePeerState
            {
                PublicKey = TestKeys.Public(2),
                Endpoint = IPEndPoint.Parse("[2001:db8::1]:1234"),
            },
            new FakePeerState
            {
                PublicKey = TestKeys.Public(1),
                PresharedKey = TestKeys.Bytes(5),
                Endpoint = IPEndPoint.Parse("192.0.2.1:51820"),
                AllowedIps = [IPNetwork.Parse("10.0.0.0/24"), IPNetwork.Parse("fd00::/64"), IPNetwork.Parse("::1.2.3.4/128")],
                LastHandshake = now - TimeSpan.FromSeconds(63),
                ReceiveBytes = 1_289_748, // 1.23 MiB
                TransmitBytes = 4_669,    // 4.56 KiB
                PersistentKeepaliveInterval = 25,
            },
            new FakePeerState
            {
                PublicKey = TestKeys.Public(3),
                AllowedIps = [IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("::/0")],
                LastHandshake = now - TimeSpan.FromSeconds((367 * 86400) + 3600 + 1), // 1 year, 2 days, 1 hour, 1 second
                ReceiveBytes = 1023,
                PersistentKeepaliveInterval = 3661,
            },
        ],
    };

    public static DeviceSnapshot Snapshot(DateTimeOffset now)
    {
        var device = new FakeDevice();
        device.Set(State(now));
        return device.GetSnapshot();
    }

    /// <summary>Runs a command in-process with captured output.</summary>
    public static CommandOutput Run(Func<CliContext, int> command)
    {
        var output = new MemoryStream();
        var error = new StringWriter();
        var context = new CliContext
        {
            Input = new MemoryStream(),
            Output = output,
            Error = error,
            OutputIsWorldAccessibleFile = () => false,
        };
        int exitCode = command(context);
        return new CommandOutput(exitCode, Encoding.UTF8.GetString(output.ToArray()), error.ToString());
    }
}

internal sealed record CommandOutput(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}

/// <summary>A clock stopped at one instant.</summary>
internal sealed class FrozenClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
