// wg's text forms: glibc inet_ntop (hand-picked cases, then random addresses checked against the C
// library's own inet_ntop through python3), getnameinfo-style endpoints, printf("%.2f") rounding and
// the byte units.
using System.Globalization;
using System.Net;
using WgSharp.Cli.Presentation;
using WgSharp.Cli.Tests.Support;

namespace WgSharp.Cli.Tests.Show;

public class WgTextTests
{
    [Theory]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("192.0.2.255", "192.0.2.255")]
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("::102:304", "::1.2.3.4")]          // IPv4-compatible: a dotted quad, unlike RFC 5952
    [InlineData("::ffff:102:304", "::ffff:1.2.3.4")]
    [InlineData("::ffff:0:0", "::ffff:0.0.0.0")]
    [InlineData("::1:ffff:102:304", "::1:ffff:102:304")]
    [InlineData("1:0:0:1:0:0:0:1", "1:0:0:1::1")]   // the longest run of zeros
    [InlineData("1:0:0:1:1:0:0:1", "1::1:1:0:0:1")] // the first of equal runs
    [InlineData("1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0")] // single zero words stay
    [InlineData("0:0:1::", "0:0:1::")]
    [InlineData("2001:DB8::A", "2001:db8::a")]
    [InlineData("fe80::", "fe80::")]
    public void Addresses_are_written_as_glibc_inet_ntop_writes_them(string address, string expected) =>
        Assert.Equal(expected, WgText.Address(IPAddress.Parse(address)));

    [Fact]
    public async Task Random_addresses_match_the_c_library()
    {
        var random = new Random(4);
        var addresses = new List<IPAddress>();
        for (int i = 0; i < 3000; i++)
        {
            byte[] bytes = new byte[16];
            random.NextBytes(bytes);
            // Mostly zero words, so that runs, ties and the ::/96 forms all come up.
            for (int word = 0; word < 8; word++)
            {
                if (random.Next(3) != 0)
                {
                    bytes[2 * word] = 0;
                    bytes[(2 * word) + 1] = 0;
                }
                else if (random.Next(4) == 0)
                {
                    bytes[2 * word] = 0xFF;
                    bytes[(2 * word) + 1] = 0xFF;
                }
            }

            addresses.Add(new IPAddress(bytes));
        }

        string input = string.Join('\n', addresses.Select(a => Convert.ToHexString(a.GetAddressBytes()))) + "\n";
        ProcessResult reference = await ProcessRunner.RunAsync("python3",
            ["-c", "import socket,sys\nfor l in sys.stdin.read().split():\n print(socket.inet_ntop(socket.AF_INET6, bytes.fromhex(l)))"],
            input, TimeSpan.FromSeconds(30));
        Assert.True(reference.ExitCode == 0, reference.ToString());
        Assert.Equal(reference.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries), addresses.Select(WgText.Address));
    }

    [Theory]
    [InlineData("192.0.2.1:51820", "192.0.2.1:51820")]
    [InlineData("[2001:db8::1]:1", "[2001:db8::1]:1")]
    [InlineData("[::ffff:192.0.2.1]:7", "[::ffff:192.0.2.1]:7")]
    [InlineData("[fe80::1%1]:51820", "[fe80::1%lo]:51820")]         // a link-local zone by interface name
    [InlineData("[fe80::1%987654]:51820", "[fe80::1%987654]:51820")] // no such interface: the number
    [InlineData("[2001:db8::1%5]:9", "[2001:db8::1%5]:9")]           // not link-local: the number
    public void Endpoints_are_written_as_getnameinfo_writes_them(string endpoint, string expected) =>
        Assert.Equal(expected, WgText.Endpoint(IPEndPoint.Parse(endpoint)));

    [Fact]
    public async Task Two_decimals_round_as_printf_does()
    {
        var values = new List<double> { 1.125, 0.375, 1.375, 0.005, 2.675, 1023.995, 0 };
        var random = new Random(5);
        for (int i = 0; i < 2000; i++)
        {
            values.Add(random.Next(1024, 1024 * 1024) / 1024.0); // every KiB value is exact, many are ties
            values.Add(random.NextDouble() * 2000);
        }

        string input = string.Join('\n', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "\n";
        ProcessResult reference = await ProcessRunner.RunAsync("python3",
            ["-c", "import sys\nfor l in sys.stdin.read().split():\n print('%.2f' % float(l))"], input, TimeSpan.FromSeconds(30));
        Assert.True(reference.ExitCode == 0, reference.ToString());
        Assert.Equal(reference.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries), values.Select(WgText.FixedTwoDecimals));
        Assert.Equal("1.12", WgText.FixedTwoDecimals(1.125));
        Assert.Equal("0.38", WgText.FixedTwoDecimals(0.375));
    }

    [Theory]
    [InlineData(0UL, "0", "B")]
    [InlineData(1023UL, "1023", "B")]
    [InlineData(1024UL, "1.00", "KiB")]
    [InlineData(1152UL, "1.12", "KiB")]
    [InlineData(1048575UL, "1024.00", "KiB")]
    [InlineData(1048576UL, "1.00", "MiB")]
    [InlineData(1073741824UL, "1.00", "GiB")]
    [InlineData(1099511627776UL, "1.00", "TiB")]
    [InlineData(ulong.MaxValue, "16777216.00", "TiB")]
    public void Byte_counts_take_wgs_units(ulong bytes, string number, string unit) =>
        Assert.Equal((number, unit), WgText.Bytes(bytes));
}
