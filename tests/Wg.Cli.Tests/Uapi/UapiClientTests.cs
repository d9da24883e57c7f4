// UapiClient against UapiServer: a set sent by the client reaches the device intact, a get comes
// back as the device's snapshot, and errors surface as ConfigurationException with the errno.
using System.Net;
using WgSharp.Cli.Tests.Support;
using WgSharp.Cli.Uapi;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Tests.Uapi;

public sealed class UapiClientTests : IAsyncLifetime
{
    private readonly string _directory = TestNames.TempDirectory();
    private readonly FakeDevice _device = new();
    private UapiServer _server = null!;

    public Task InitializeAsync()
    {
        _server = UapiServer.Start("wgclient0", _device, socketDirectory: _directory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Set_then_get_round_trips_through_the_socket()
    {
        using UapiClient client = await UapiClient.ConnectAsync("wgclient0", _directory);
        using (var update = new DeviceUpdate { PrivateKey = PrivateKey.FromBytes(TestKeys.Private(1)), ListenPort = 51820, FirewallMark = 3 })
        {
            var peer = new PeerUpdate(TestKeys.Public(1))
            {
                PresharedKey = PresharedKey.FromBytes(TestKeys.Bytes(2)),
                Endpoint = IPEndPoint.Parse("[2001:db8::9]:4500"),
                PersistentKeepaliveInterval = 21,
            };
            peer.AllowedIpChanges.Add(new AllowedIpChange(IPNetwork.Parse("10.7.0.0/16"), false));
            update.Peers.Add(peer);
            await client.SetAsync(update);
            Assert.Equal(ReceivedUpdate.From(update).Describe(), Assert.Single(_device.Received).Describe());
        }

        using DeviceSnapshot snapshot = await client.GetAsync();
        Assert.Equal(TestKeys.Hex(TestKeys.Private(1)), snapshot.PrivateKey!.ExportHex());
        Assert.Equal(51820, snapshot.ListenPort);
        Assert.Equal(3u, snapshot.FirewallMark);
        PeerSnapshot got = Assert.Single(snapshot.Peers);
        Assert.Equal(TestKeys.Public(1), got.PublicKey);
        Assert.Equal(TestKeys.Hex(TestKeys.Bytes(2)), got.PresharedKey!.ExportHex());
        Assert.Equal(IPEndPoint.Parse("[2001:db8::9]:4500"), got.Endpoint);
        Assert.Equal(21, got.PersistentKeepaliveInterval);
        Assert.Equal([IPNetwork.Parse("10.7.0.0/16")], got.AllowedIps);
        Assert.Null(got.LastHandshake);
    }

    [Fact]
    public async Task Refused_set_throws_with_the_errno()
    {
        _device.PortsInUse.Add(80);
        using UapiClient client = await UapiClient.ConnectAsync("wgclient0", _directory);
        using var update = new DeviceUpdate { ListenPort = 80 };
        var error = await Assert.ThrowsAsync<ConfigurationException>(() => client.SetAsync(update));
        Assert.Equal(-98, error.Errno);

        // The connection stays usable.
        using DeviceSnapshot snapshot = await client.GetAsync();
        Assert.Equal(0, snapshot.ListenPort);
    }

    [Fact]
    public async Task Connecting_to_a_missing_socket_fails()
    {
        await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => UapiClient.ConnectAsync("wgnone0", _directory));
    }
}
