// ConfigParser on broken files: each kind of error with its file, line and message, all errors of a
// file reported together, "did you mean" suggestions, and no configuration from a file with errors.
using WgSharp.Cli.Configuration;
using static WgSharp.Cli.Tests.Config.ConfigTestKeys;

namespace WgSharp.Cli.Tests.Config;

public class ConfigParserErrorTests
{
    private static string PeerSection(int seed = 1) => $"[Peer]\nPublicKey = {PublicBase64(seed)}\n";

    /// <summary>The one error of a file made of the minimal interface (lines 1-2) plus <paramref name="rest"/>.</summary>
    private static string OnlyError(string rest) => Assert.Single(Errors(Interface + rest));

    [Fact]
    public void The_example_from_the_brief()
    {
        string text = Interface + PeerSection() + "AllowedIPs = 10.0.0.0/24, 10.0.0.300/32\n";
        Assert.Equal(["wg3.conf:5: AllowedIPs: '10.0.0.300/32' is not a valid IP prefix"], Errors(text));
    }

    [Fact]
    public void All_errors_of_a_file_are_reported_together_in_line_order()
    {
        string text = $"""
            [Interface]
            PrivateKey = {PrivateBase64(1)}
            ListenPort = 70000
            Adress = 10.0.0.1/24
            MTU = big
            [Peer]
            PublicKey = not-a-key
            AllowedIPs = 10.0.0.0/33
            Endpoint = 192.0.2.1
            [Peer]
            AllowedIPs = 10.1.0.0/16
            """;
        Assert.Equal(
        [
            "wg3.conf:3: ListenPort: 70000 is out of range (0-65535)",
            "wg3.conf:4: Adress: unknown key in [Interface]; did you mean Address?",
            "wg3.conf:5: MTU: 'big' is not a number",
            "wg3.conf:7: PublicKey: not a valid base64 WireGuard key (44 characters ending in '=')",
            "wg3.conf:8: AllowedIPs: '10.0.0.0/33' is not a valid IP prefix",
            "wg3.conf:9: Endpoint: '192.0.2.1' has no port (write host:port or [IPv6]:port)",
            "wg3.conf:10: [Peer] has no PublicKey",
        ], Errors(text));
    }

    [Fact]
    public void Missing_private_key_and_missing_interface()
    {
        Assert.Equal(["wg3.conf:1: [Interface] has no PrivateKey"], Errors("[Interface]\nListenPort = 1\n"));
        Assert.Equal(["wg3.conf: there is no [Interface] section (it needs at least a PrivateKey)"], Errors(PeerSection()));
        Assert.Equal(["wg3.conf: there is no [Interface] section (it needs at least a PrivateKey)"], Errors(""));
        // An invalid key is reported once, not also as missing.
        Assert.Equal(["wg3.conf:2: PrivateKey: not a valid base64 WireGuard key (44 characters ending in '=')"],
            Errors("[Interface]\nPrivateKey = abc\n"));
    }

    [Fact]
    public void Duplicate_peers_and_own_key()
    {
        Assert.Equal("wg3.conf:7: PublicKey: the same peer as the [Peer] on line 3",
            OnlyError(PeerSection(1) + "AllowedIPs = 10.0.0.1\n" + PeerSection(1)));
        Assert.Equal("wg3.conf:4: PublicKey: this is the interface's own public key (from its PrivateKey)",
            OnlyError($"[Peer]\nPublicKey = {PublicOfPrivate(1)}\n"));
    }

    [Theory]
    [InlineData("PrivateKey", "Interface")]
    [InlineData("PublicKey", "Peer")]
    [InlineData("PresharedKey", "Peer")]
    public void Bad_keys_are_described_without_their_text(string key, string section)
    {
        string bad = PrivateBase64(1)[..43] + "B"; // a plausible key with its padding replaced
        string text = section == "Interface"
            ? $"[Interface]\n{key} = {bad}\n"
            : Interface + $"[Peer]\nPublicKey = {PublicBase64(1)}\n{key} = {bad}\n";
        string error = Errors(text)[0];
        Assert.EndsWith($"{key}: not a valid base64 WireGuard key (44 characters ending in '=')", error);
        Assert.DoesNotContain(bad[..20], error);
    }

    [Fact]
    public void Non_canonical_base64_key_is_refused_as_wg_refuses_it()
    {
        // The same 32 bytes as a valid key, but with the two unused low bits of the last character set.
        string good = PublicBase64(1);
        int value = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".IndexOf(good[42]);
        string noncanonical = good[..42] + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[value | 1] + "=";
        Assert.Equal(Convert.FromBase64String(good), Convert.FromBase64String(noncanonical));
        Assert.EndsWith("PublicKey: not a valid base64 WireGuard key (44 characters ending in '=')",
            OnlyError($"[Peer]\nPublicKey = {noncanonical}\n"));
    }

    [Theory]
    [InlineData("ListenPort = 65536", "ListenPort: 65536 is out of range (0-65535)")]
    [InlineData("ListenPort = 99999999999999999999999", "ListenPort: '99999999999999999999999' is out of range (0-65535)")]
    [InlineData("ListenPort = http", "ListenPort: 'http' is not a number")]
    [InlineData("ListenPort = -1", "ListenPort: '-1' is not a number")]
    [InlineData("FwMark = 0x", "FwMark: '0x' is neither off nor a number 0-0xffffffff")]
    [InlineData("FwMark = 0X10", "FwMark: '0X10' is neither off nor a number 0-0xffffffff")]
    [InlineData("FwMark = 0x100000000", "FwMark: '0x100000000' is neither off nor a number 0-0xffffffff")]
    [InlineData("FwMark = 4294967296", "FwMark: '4294967296' is neither off nor a number 0-0xffffffff")]
    [InlineData("Address = 10.0.0.1/33", "Address: '10.0.0.1/33' is not a valid address with prefix length (like 10.0.0.2/24)")]
    [InlineData("Address = 10.0.0/24", "Address: '10.0.0/24' is not a valid address with prefix length (like 10.0.0.2/24)")]
    [InlineData("Address = 10.0.0.1/24, 10.0.0.1/24", "Address: 10.0.0.1/24 is given twice")]
    [InlineData("DNS = 1.1.1", "DNS: '1.1.1' is not a valid IP address")]
    [InlineData("DNS = fd00::1::2", "DNS: 'fd00::1::2' is not a valid IP address")]
    [InlineData("DNS = bad!domain", "DNS: 'bad!domain' is neither an IP address nor a valid search domain")]
    [InlineData("MTU = 67", "MTU: 67 is out of range (68-65535)")]
    [InlineData("MTU = 65536", "MTU: 65536 is out of range (68-65535)")]
    [InlineData("Table = 0", "Table: '0' is not a table number (1-4294967295)")]
    [InlineData("Table = 4294967296", "Table: '4294967296' is not a table number (1-4294967295)")]
    [InlineData("Table = nosuch", "Table: 'nosuch' is not auto, off, a number or a table named in /etc/iproute2/rt_tables")]
    [InlineData("SaveConfig = yes", "SaveConfig: 'yes' is neither true nor false")]
    [InlineData("SaveConfig =", "SaveConfig: '' is neither true nor false")]
    [InlineData("ListenPort =", "ListenPort: a value is required")]
    [InlineData("MssClamp = 100", "MssClamp: 100 is out of range (536-65495)")]
    [InlineData("MssClamp = sometimes", "MssClamp: 'sometimes' is not off, auto or a number of bytes")]
    [InlineData("User = -rf", "User: '-rf' is not a user name")]
    [InlineData("User = a b", "User: 'a b' is not a user name")]
    [InlineData("User = ../etc", "User: '../etc' is not a user name")]
    [InlineData("User = a/b", "User: 'a/b' is not a user name")]
    [InlineData("ConntrackPerPeer = 0", "ConntrackPerPeer: '0' is not a number of flows 1-16777216 or a percentage 1%-100%")]
    [InlineData("ConntrackPerPeer = 150%", "ConntrackPerPeer: '150%' is not a number of flows 1-16777216 or a percentage 1%-100%")]
    [InlineData("ConntrackPerPeer = half", "ConntrackPerPeer: 'half' is not a number of flows 1-16777216 or a percentage 1%-100%")]
    public void Interface_value_errors(string line, string message) =>
        Assert.Equal("wg3.conf:3: " + message, OnlyError(line + "\n"));

    [Theory]
    [InlineData("AllowedIPs = 10.0.0.0/8,", "AllowedIPs: empty entry (a stray comma?)")]
    [InlineData("AllowedIPs =", "AllowedIPs: a value is required")]
    [InlineData("AllowedIPs = 010.0.0.1/8", "AllowedIPs: '010.0.0.1/8' is not a valid IP prefix")]
    [InlineData("AllowedIPs = 10.1/16", "AllowedIPs: '10.1/16' is not a valid IP prefix")]
    [InlineData("AllowedIPs = fd00::/129", "AllowedIPs: 'fd00::/129' is not a valid IP prefix")]
    [InlineData("AllowedIPs = fe80::/64%eth0", "AllowedIPs: 'fe80::/64%eth0' is not a valid IP prefix")]
    [InlineData("AllowedIPs = 10.0.0.0/-1", "AllowedIPs: '10.0.0.0/-1' is not a valid IP prefix")]
    [InlineData("Endpoint = [::1:51820", "Endpoint: '[::1:51820' has no closing ']'")]
    [InlineData("Endpoint = [::1]51820", "Endpoint: '[::1]51820' has no port (write host:port or [IPv6]:port)")]
    [InlineData("Endpoint = [::1]:", "Endpoint: '[::1]:' has no port (write host:port or [IPv6]:port)")]
    [InlineData("Endpoint = host:", "Endpoint: 'host:' has no port (write host:port or [IPv6]:port)")]
    [InlineData("Endpoint = host:65536", "Endpoint: 'host:65536' has an invalid port (1-65535)")]
    [InlineData("Endpoint = host:0", "Endpoint: 'host:0' has an invalid port (1-65535)")]
    [InlineData("Endpoint = host:http", "Endpoint: 'host:http' has an invalid port (1-65535)")]
    [InlineData("Endpoint = 10.0.0.300:1", "Endpoint: '10.0.0.300:1': '10.0.0.300' is not a valid IP address")]
    [InlineData("Endpoint = [10.0.0.1]:1", "Endpoint: '[10.0.0.1]:1': '10.0.0.1' is not a valid IP address")]
    [InlineData("Endpoint = [host]:1", "Endpoint: '[host]:1': 'host' is neither an IP address nor a valid host name")]
    [InlineData("Endpoint = bad..host:1", "Endpoint: 'bad..host:1': 'bad..host' is neither an IP address nor a valid host name")]
    [InlineData("Endpoint = [fe80::1%nosuchif0]:1", "Endpoint: '[fe80::1%nosuchif0]:1': 'fe80::1%nosuchif0' is not a valid IP address")]
    [InlineData("PersistentKeepalive = 65536", "PersistentKeepalive: '65536' is neither off nor a number of seconds (0-65535)")]
    [InlineData("PersistentKeepalive = never", "PersistentKeepalive: 'never' is neither off nor a number of seconds (0-65535)")]
    [InlineData("Name = tun", "Name: 'tun' is reserved (Input = tun means the local side)")]
    [InlineData("Name = has space", "Name: 'has space' is not a valid peer name (1-32 letters, digits, '_', '-' or '.')")]
    [InlineData("Inbound = some", "Inbound: 'some' is neither any nor established")]
    [InlineData("Routes = sometimes", "Routes: 'sometimes' is neither always nor when-up")]
    public void Peer_value_errors(string line, string message) =>
        Assert.Equal("wg3.conf:5: " + message, OnlyError(PeerSection() + line + "\n"));

    [Theory]
    [InlineData("Adress = 10.0.0.1/24", "Adress: unknown key in [Interface]; did you mean Address?")]
    [InlineData("ListenPrt = 1", "ListenPrt: unknown key in [Interface]; did you mean ListenPort?")]
    [InlineData("Mtu2 = 1", "Mtu2: unknown key in [Interface]; did you mean MTU?")]
    [InlineData("PostUP = x", null)] // case does not matter: a valid key
    [InlineData("Frobnicate = 1", "unknown key in [Interface] (the keys there are PrivateKey, ListenPort, FwMark, Address, DNS, MTU, Table, PreUp, PostUp, PreDown, PostDown, SaveConfig, MssClamp, ConntrackPerPeer, Relay, User)")]
    [InlineData("PublicKey = x", "PublicKey belongs in [Peer], not in [Interface]")]
    [InlineData("From = 10.0.0.0/8", "From belongs in [Rule], not in [Interface]")]
    [InlineData("just some words", "expected 'Key = Value' or a [Section] header")]
    [InlineData("= value", "expected 'Key = Value' or a [Section] header")]
    [InlineData("this key name is far too long to be any real key = 1", "unknown key in [Interface] (the keys there are PrivateKey, ListenPort, FwMark, Address, DNS, MTU, Table, PreUp, PostUp, PreDown, PostDown, SaveConfig, MssClamp, ConntrackPerPeer, Relay, User)")]
    [InlineData("[Peers]", "unknown section [Peers]; did you mean [Peer]?")]
    [InlineData("[Rules]", "unknown section [Rules]; did you mean [Rule]?")]
    [InlineData("[Something]", "unknown section (expected [Interface], [Peer], [Rule] or [Forward])")]
    [InlineData("[Peer] trailing", "unknown section (expected [Interface], [Peer], [Rule] or [Forward])")]
    [InlineData("[", "unknown section (expected [Interface], [Peer], [Rule] or [Forward])")]
    [InlineData("[Interface2]", "unknown section [Interface2]; did you mean [Interface]?")]
    public void Unknown_keys_and_malformed_lines(string line, string? message)
    {
        ConfigParseResult result = Parse(Interface + line + "\n");
        if (message is null)
        {
            Assert.True(result.Succeeded);
            result.Config!.Dispose();
            return;
        }

        Assert.Equal(["wg3.conf:3: " + message], result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Peer_key_suggestions_and_keys_outside_sections()
    {
        Assert.Equal("wg3.conf:5: AllowedIP: unknown key in [Peer]; did you mean AllowedIPs?", OnlyError(PeerSection() + "AllowedIP = 10.0.0.0/8\n"));
        Assert.Equal("wg3.conf:5: Endpiont: unknown key in [Peer]; did you mean Endpoint?", OnlyError(PeerSection() + "Endpiont = a:1\n"));
        Assert.Equal("wg3.conf:5: PersistentKeepAlives: unknown key in [Peer]; did you mean PersistentKeepalive?",
            OnlyError(PeerSection() + "PersistentKeepAlives = 1\n"));
        Assert.Equal("wg3.conf:5: ListenPort belongs in [Interface], not in [Peer]", OnlyError(PeerSection() + "ListenPort = 1\n"));
        Assert.Equal(["wg3.conf:1: ListenPort is outside any section (start with [Interface] or [Peer])"], Errors("ListenPort = 1\n" + Interface));
        Assert.Equal(["wg3.conf:1: this line is outside any section (start with [Interface] or [Peer])"], Errors("Frobnicate = 1\n" + Interface));
    }

    [Fact]
    public void Lines_of_an_unknown_section_are_not_reported_again()
    {
        Assert.Equal(["wg3.conf:3: unknown section [Peeer]; did you mean [Peer]?"],
            Errors(Interface + "[Peeer]\nPublicKey = x\nWhatever = 1\n"));
    }

    [Fact]
    public void Mtu_below_the_ipv6_minimum_with_an_ipv6_address()
    {
        Assert.Equal("wg3.conf:4: MTU: 1200 is below 1280, the smallest MTU IPv6 allows, and Address has IPv6 addresses",
            OnlyError("Address = fd00::1/64\nMTU = 1200\n"));
        using InterfaceConfig config = ParseValid(Interface + "Address = 10.0.0.1/24\nMTU = 1200\n");
        Assert.Equal(1200, config.Mtu);
    }

    [Fact]
    public void Get_config_or_throw_carries_every_error()
    {
        ConfigParseResult result = Parse("[Interface]\nListenPort = x\nMTU = y\n");
        var error = Assert.Throws<ConfigException>(result.GetConfigOrThrow);
        Assert.Equal(3, error.Errors.Count);
        Assert.Equal("wg3.conf:1: [Interface] has no PrivateKey\nwg3.conf:2: ListenPort: 'x' is not a number\nwg3.conf:3: MTU: 'y' is not a number", error.Message);
    }

    [Fact]
    public void Quoted_values_are_printable_and_short()
    {
        Assert.Equal("'a?b'", ConfigValues.Quote("a\u0001b"));
        string longValue = string.Concat(Enumerable.Repeat("x.", 31))[..61];
        Assert.Equal("'" + longValue[..60] + "...'", ConfigValues.Quote(longValue));
        Assert.Equal("(a value that looks like a key)", ConfigValues.Quote("abc " + PublicBase64(3)[..20]));
    }
}
