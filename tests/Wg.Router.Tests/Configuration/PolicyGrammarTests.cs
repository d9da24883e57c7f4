// PolicyGrammar: a rule and a forward written in the canonical wgsharp-set spelling read back to the same model,
// the canonical spelling has one form per value, and the config file's spelling takes what people write.
using System.Net;
using System.Text;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;

namespace WgSharp.Router.Tests.Configuration;

public class PolicyGrammarTests
{
    private static readonly PublicKey Nord = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly PublicKey Sud = new(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());

    private static readonly RouterRule Full = new()
    {
        Line = 12,
        Priority = 7,
        From = [PrefixSelector.Parse("192.168.0.0/16"), PrefixSelector.Parse("!192.168.9.0/24")],
        To = [PrefixSelector.Parse("fd00::/64")],
        Protocol = 6,
        Port = new PortRange(80, 90),
        SourcePort = PortRange.Single(1024),
        Input = Nord,
        Mark = new Mark(0x200, 0xff00),
        State = RouterRuleStates.Established | RouterRuleStates.Related,
        Action = RouterRuleAction.Accept,
    };

    [Fact]
    public void A_rule_written_canonically_reads_back_to_the_same_rule_and_the_same_text()
    {
        RouterRule[] rules =
        [
            Full,
            new() { Line = 3, Peer = Sud, Masquerade = true },
            new() { Line = 4, Mark = Mark.Exactly(5), Action = RouterRuleAction.SetMark, SetMark = new Mark(0, 0xf) },
        ];
        foreach (RouterRule rule in rules)
        {
            var text = new StringBuilder();
            PolicyGrammar.WriteCanonicalRule(rule, text);
            RouterRule read = ReadRule(text.ToString());

            Assert.Equal(rule.From, read.From);
            Assert.Equal(rule.To, read.To);
            Assert.Equal(rule with { From = read.From, To = read.To }, read);
            Assert.Null(PolicyGrammar.CheckCanonicalRule(read));
            var again = new StringBuilder();
            PolicyGrammar.WriteCanonicalRule(read, again);
            Assert.Equal(text.ToString(), again.ToString());
        }
    }

    [Fact]
    public void The_canonical_lines_are_the_documented_ones()
    {
        var text = new StringBuilder();
        PolicyGrammar.WriteCanonicalRule(Full, text);
        Assert.Equal(
            "rule=12\npriority=7\nfrom=192.168.0.0/16\nfrom=!192.168.9.0/24\nto=fd00::/64\nprotocol=6\nport=80-90\n"
            + "source_port=1024-1024\ninput=" + Nord.ToHex() + "\nmark=0x200/0xff00\nstate=established,related\naction=accept\n",
            text.ToString());
    }

    [Theory]
    [InlineData("port", "25")]                     // a single port is written as 25-25
    [InlineData("port", "90-80")]
    [InlineData("port", "1-65536")]
    [InlineData("mark", "0x0200/0xff00")]          // a leading zero: a second spelling
    [InlineData("mark", "0x200")]                  // no mask
    [InlineData("mark", "0x300/0x100")]            // value outside the mask
    [InlineData("mark", "0X200/0xff00")]
    [InlineData("from", "10.0.0.1/8")]             // host bits set
    [InlineData("from", "010.0.0.0/8")]
    [InlineData("to", "! 10.0.0.0/8")]
    [InlineData("action", "Accept")]
    [InlineData("masquerade", "yes")]
    [InlineData("state", "new, established")]
    [InlineData("protocol", "tcp")]
    [InlineData("input", "tun")]
    [InlineData("colour", "red")]
    public void The_canonical_spelling_refuses_every_other_spelling(string key, string value)
    {
        RouterRule rule = new() { Line = 1 };
        string? error = PolicyGrammar.ReadCanonicalRuleKey(ref rule, key, value);
        Assert.NotNull(error);
        Assert.Equal(new RouterRule { Line = 1 }, rule);
    }

    [Fact]
    public void A_forward_written_canonically_reads_back()
    {
        RouterForward forward = new(17, new PortRange(5000, 5010), IPAddress.Parse("fd00::10"), 53) { Line = 30 };
        var text = new StringBuilder();
        PolicyGrammar.WriteCanonicalForward(forward, text);
        Assert.Equal("forward=30\nprotocol=17\nport=5000-5010\nto=fd00::10\nto_port=53\n", text.ToString());

        RouterForward read = new(0, default, IPAddress.None, null) { Line = 30 };
        foreach (string line in text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            string[] parts = line.Split('=', 2);
            Assert.Null(PolicyGrammar.ReadCanonicalForwardKey(ref read, parts[0], parts[1]));
        }

        Assert.Equal(forward, read);
    }

    [Theory]
    [InlineData("25", 25, 25)]
    [InlineData("8000-8100", 8000, 8100)]
    [InlineData(" 8000 - 8100 ", 8000, 8100)]
    [InlineData("65535", 65535, 65535)]
    public void The_config_spelling_reads_ports_as_people_write_them(string text, int first, int last)
    {
        Assert.True(PolicyGrammar.TryParsePortRange(text, out PortRange range, out bool reversed));
        Assert.False(reversed);
        Assert.Equal(new PortRange((ushort)first, (ushort)last), range);
    }

    [Theory]
    [InlineData("0", false)]
    [InlineData("0-10", false)]
    [InlineData("65536", false)]
    [InlineData("http", false)]
    [InlineData("90-80", true)]
    public void The_config_spelling_refuses_port_zero_and_says_when_a_range_is_reversed(string text, bool expectReversed)
    {
        Assert.False(PolicyGrammar.TryParsePortRange(text, out _, out bool reversed));
        Assert.Equal(expectReversed, reversed);
    }

    [Theory]
    [InlineData("512", 512u, 0xffffffffu)]
    [InlineData("0x200/0xff00", 0x200u, 0xff00u)]
    [InlineData("0X200 / 0XFF00", 0x200u, 0xff00u)]
    [InlineData("4294967295", 0xffffffffu, 0xffffffffu)]
    public void The_config_spelling_reads_marks_in_decimal_or_hex(string text, uint value, uint mask)
    {
        Assert.True(PolicyGrammar.TryParseMark(text, out Mark mark, out _));
        Assert.Equal(new Mark(value, mask), mark);
    }

    [Fact]
    public void The_config_spelling_says_when_a_mark_is_outside_its_mask()
    {
        Assert.False(PolicyGrammar.TryParseMark("0x300/0x100", out _, out bool outside));
        Assert.True(outside);
        Assert.False(PolicyGrammar.TryParseMark("4294967296", out _, out outside));
        Assert.False(outside);
    }

    [Fact]
    public void Actions_read_in_any_case_in_the_config_and_one_word_each_canonically()
    {
        Assert.True(PolicyGrammar.TryParseAction("REJECT", out RouterRuleAction action));
        Assert.Equal(RouterRuleAction.Reject, action);
        Assert.False(PolicyGrammar.TryParseAction("set_mark", out _)); // the config file's SetMark key says that
        Assert.Equal("set_mark", PolicyGrammar.ActionName(RouterRuleAction.SetMark));
    }

    private static RouterRule ReadRule(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("rule=", lines[0], StringComparison.Ordinal);
        RouterRule rule = new() { Line = int.Parse(lines[0]["rule=".Length..], System.Globalization.CultureInfo.InvariantCulture) };
        foreach (string line in lines.Skip(1))
        {
            string[] parts = line.Split('=', 2);
            Assert.Null(PolicyGrammar.ReadCanonicalRuleKey(ref rule, parts[0], parts[1]));
        }

        return rule;
    }
}
