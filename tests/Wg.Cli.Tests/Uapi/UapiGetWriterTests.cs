// UapiGetWriter: the get reply body, line for line in wireguard-go's order and format
// (device/uapi.go IpcGetOperation).
using System.Net;
using WgSharp.Cli.Tests.Support;
using WgSharp.Cli.Uapi;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Tests.Uapi;

public class UapiGetWriterTests
{
    [Fact]
    public void Full_snapshot_is_written_in_wireguard_go_order()
    {
        DateTimeOffset handshake = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(1_234_567);
        using var snapshot = new DeviceSnapshot
        {
            PrivateKey = PrivateKey.FromBytes(TestKeys.Private(1)),
            ListenPort = 51820,
            FirewallMark = 0x20,
            Peers =
            [
                new PeerSnapshot
                {
                    PublicKey = TestKeys.Public(1),
                    PresharedKey = PresharedKey.FromBytes(TestKeys.Bytes(5)),
                    Endpoint = IPEndPoint.Parse("192.0.2.1:51820"),
                    LastHandshake = handshake,
                    TransmitBytes = 1234,
                    ReceiveBytes = 5678,
                    PersistentKeepaliveInterval = 25,
                    AllowedIps = [IPNetwork.Parse("10.0.0.0/24"), IPNetwork.Parse("fd00::/64")],
                },
                new PeerSnapshot
                {
                    PublicKey = TestKeys.Public(2),
                    Endpoint = new IPEndPoint(IPAddress.Parse("2001:db8::1"), 1234),
                },
            ],
        };

        string expected =
            $"private_key={TestKeys.Hex(TestKeys.Private(1))}\n" +
            "listen_port=51820\n" +
            "fwmark=32\n" +
            $"public_key={TestKeys.Public(1).ToHex()}\n" +
            $"preshared_key={TestKeys.Hex(TestKeys.Bytes(5))}\n" +
            "protocol_version=1\n" +
            "endpoint=192.0.2.1:51820\n" +
            "last_handshake_time_sec=1700000000\n" +
            "last_handshake_time_nsec=123456700\n" +
            "tx_bytes=1234\n" +
            "rx_bytes=5678\n" +
            "persistent_keepalive_interval=25\n" +
            "allowed_ip=10.0.0.0/24\n" +
            "allowed_ip=fd00::/64\n" +
            $"public_key={TestKeys.Public(2).ToHex()}\n" +
            $"preshared_key={new string('0', 64)}\n" +
            "protocol_version=1\n" +
            "endpoint=[2001:db8::1]:1234\n" +
            "last_handshake_time_sec=0\n" +
            "last_handshake_time_nsec=0\n" +
            "tx_bytes=0\n" +
            "rx_bytes=0\n" +
            "persistent_keepalive_interval=0\n";
        Assert.Equal(expected, UapiGetWriter.Format(snapshot));
    }

    [Fact]
    public void Unset_device_values_are_left_out()
    {
        using var empty = new DeviceSnapshot();
        Assert.Equal("", UapiGetWriter.Format(empty));

        using var zeroKey = new DeviceSnapshot { PrivateKey = PrivateKey.FromBytes(new byte[32]), ListenPort = 0, FirewallMark = 0 };
        Assert.Equal("", UapiGetWriter.Format(zeroKey));
    }

    [Fact]
    public void Peer_without_endpoint_has_no_endpoint_line()
    {
        using var snapshot = new DeviceSnapshot { Peers = [new PeerSnapshot { PublicKey = TestKeys.Public(3) }] };
        string text = UapiGetWriter.Format(snapshot);
        Assert.DoesNotContain("endpoint=", text);
        Assert.StartsWith($"public_key={TestKeys.Public(3).ToHex()}\npreshared_key=", text);
    }

    [Fact]
    public void Handshake_time_splits_into_seconds_and_nanoseconds()
    {
        Assert.Equal((0UL, 0UL), UapiGetWriter.UnixTime(null));
        Assert.Equal((0UL, 0UL), UapiGetWriter.UnixTime(DateTimeOffset.UnixEpoch.AddSeconds(-5)));
        Assert.Equal((1UL, 100UL), UapiGetWriter.UnixTime(DateTimeOffset.UnixEpoch.AddSeconds(1).AddTicks(1)));
    }

    [Fact]
    public void Get_parser_reads_back_what_the_writer_wrote()
    {
        using var snapshot = new DeviceSnapshot
        {
            PrivateKey = PrivateKey.FromBytes(TestKeys.Private(4)),
            ListenPort = 7,
            Peers =
            [
                new PeerSnapshot
                {
                    PublicKey = TestKeys.Public(4),
                    PresharedKey = PresharedKey.FromBytes(TestKeys.Bytes(6)),
                    Endpoint = IPEndPoint.Parse("[fe80::1%2]:9"),
                    LastHandshake = DateTimeOffset.FromUnixTimeMilliseconds(1_650_000_000_123),
                    TransmitBytes = ulong.MaxValue,
                    ReceiveBytes = 1,
                    PersistentKeepaliveInterval = 65535,
                    AllowedIps = [IPNetwork.Parse("::ffff:1.2.3.4/128"), IPNetwork.Parse("0.0.0.0/0")],
                },
            ],
        };
        string text = UapiGetWriter.Format(snapshot);

        using var parser = new UapiGetParser();
        foreach (string line in text.TrimEnd('\n').Split('\n'))
        {
            parser.AddLine(line);
        }

        parser.AddLine("errno=0");
        Assert.Equal(0, parser.Errno);
        using DeviceSnapshot back = parser.TakeSnapshot();
        Assert.Equal(text, UapiGetWriter.Format(back));
        Assert.Equal(snapshot.Peers[0].LastHandshake, back.Peers[0].LastHandshake);
    }
}
