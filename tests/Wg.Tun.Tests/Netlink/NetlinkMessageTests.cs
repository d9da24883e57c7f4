// The message builder's layout, the attribute reader's bounds, and the reply parsers on malformed kernel data.
using System.Buffers.Binary;
using System.Net;
using FsCheck;
using FsCheck.Fluent;
using WgSharp.Tun.Interop;
using WgSharp.Tun.Netlink;

namespace WgSharp.Tun.Tests.Netlink;

public class NetlinkMessageTests
{
    [Fact]
    public void BuilderWritesHeaderFamilyHeaderAndAlignedAttributes()
    {
        var builder = new NetlinkMessageBuilder();
        builder.Begin(LibC.RTM_NEWROUTE, LibC.NLM_F_REQUEST | LibC.NLM_F_ACK, LibC.RtMsgSize);
        builder.Header[0] = LibC.AF_INET;
        builder.AddAddress(LibC.RTA_DST, IPAddress.Parse("10.1.2.0"));
        builder.AddString(LibC.FRA_IIFNAME, "wg0");
        builder.AddUInt8(LibC.FRA_IP_PROTO, 6);
        int nest = builder.BeginNested(LibC.RTA_METRICS);
        builder.AddUInt32(LibC.RTAX_MTU, 1420);
        builder.EndNested(nest);
        builder.Finish(sequence: 77, portId: 1234);

        ReadOnlySpan<byte> message = builder.Message;
        Assert.Equal(message.Length, (int)BinaryPrimitives.ReadUInt32LittleEndian(message));
        Assert.Equal(LibC.RTM_NEWROUTE, BinaryPrimitives.ReadUInt16LittleEndian(message[4..]));
        Assert.Equal(LibC.NLM_F_REQUEST | LibC.NLM_F_ACK, BinaryPrimitives.ReadUInt16LittleEndian(message[6..]));
        Assert.Equal(77u, BinaryPrimitives.ReadUInt32LittleEndian(message[8..]));
        Assert.Equal(1234u, BinaryPrimitives.ReadUInt32LittleEndian(message[12..]));
        Assert.Equal(LibC.AF_INET, message[16]);
        Assert.Equal(0, message.Length % 4);
        // 16 header + 12 rtmsg + 8 (dst) + 8 ("wg0\0") + 8 (u8 padded) + 4 + 8 (nest with one u32).
        Assert.Equal(16 + 12 + 8 + 8 + 8 + 12, message.Length);

        var seen = new List<string>();
        foreach (NetlinkAttribute attribute in new NetlinkAttributeReader(message[(16 + 12)..]))
        {
            switch (attribute.Type)
            {
                case LibC.RTA_DST:
                    seen.Add($"dst {attribute.Address(4)}");
                    break;
                case LibC.FRA_IIFNAME:
                    seen.Add($"name {attribute.String}");
                    break;
                case LibC.FRA_IP_PROTO:
                    seen.Add($"u8 {attribute.UInt8}");
                    break;
                case LibC.RTA_METRICS:
                    foreach (NetlinkAttribute inner in attribute.Nested)
                    {
                        seen.Add($"metric {inner.Type}={inner.UInt32}");
                    }
                    break;
            }
        }
        Assert.Equal(["dst 10.1.2.0", "name wg0", "u8 6", "metric 2=1420"], seen);
    }

    [Fact]
    public void BuilderGrowsForLargeRequestsAndIsReusable()
    {
        var builder = new NetlinkMessageBuilder();
        builder.Begin(LibC.RTM_NEWRULE, LibC.NLM_F_REQUEST, LibC.FibRuleHdrSize);
        for (int i = 0; i < 500; i++)
        {
            builder.AddUInt32((ushort)(i % 30), (uint)i);
        }
        builder.Finish(1, 0);
        Assert.Equal(16 + 12 + 500 * 8, builder.Message.Length);

        builder.Begin(LibC.RTM_GETLINK, LibC.NLM_F_REQUEST, LibC.IfInfoMsgSize);
        builder.Finish(2, 0);
        Assert.Equal(32, builder.Message.Length);
        Assert.True(builder.Header.SequenceEqual(new byte[16]));
    }

    [Fact]
    public void AttributeReaderStopsAtMalformedLengths()
    {
        byte[] data = [8, 0, 1, 0, 1, 2, 3, 4, /* then a header claiming 200 bytes */ 200, 0, 2, 0, 9, 9];
        var types = new List<int>();
        foreach (NetlinkAttribute attribute in new NetlinkAttributeReader(data))
        {
            types.Add(attribute.Type);
        }
        Assert.Equal([1], types);

        byte[] tooShort = [2, 0, 1, 0, 8, 0, 1, 0, 0, 0, 0, 0];
        Assert.False(new NetlinkAttributeReader(tooShort).MoveNext());
    }

    [Fact]
    public void ReplyParsersNeverThrowOnArbitraryAttributes()
    {
        Gen<byte[]> attribute =
            from type in Gen.OneOf(Gen.Choose(0, 30), Gen.Elements(1, 2, 3, 4, 5, 6, 7, 8, 10, 14, 15, 16, 18, 20, 22, 23, 24))
            from length in Gen.Elements(0, 1, 2, 3, 4, 5, 8, 16, 17)
            from value in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), length)
            select Attribute((ushort)type, value);
        // A family header of one of the four sizes (ifaddrmsg 8, rtmsg and fib_rule_hdr 12, ifinfomsg 16) with the
        // family and the two prefix lengths (bytes 1 and 2) mostly plausible and the rest random, then attributes.
        Gen<byte[]> message =
            from family in Gen.Elements(0, 2, 10, 3)
            from lengths in Gen.ArrayOf(Gen.Choose(0, 140).Select(b => (byte)b), 2)
            from headerLength in Gen.Elements(8, 12, 12, 16)
            from header in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), headerLength - 3)
            from attributes in Gen.ListOf(attribute)
            from cut in Gen.Choose(0, 400)
            select Cut([(byte)family, .. lengths, .. header, .. attributes.SelectMany(a => a)], cut);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(20_000), Prop.ForAll(message.ToArbitrary(), bytes =>
        {
            _ = RtNetlink.ParseRoute(bytes, includeCloned: true)?.ToString();
            _ = RtNetlink.ParseRule(bytes)?.ToString();
            _ = RtNetlink.ParseAddress(bytes)?.ToString();
            _ = RtNetlink.ParseLink(bytes)?.ToString();
            return true;
        }));
    }

    private static byte[] Attribute(ushort type, byte[] value)
    {
        byte[] attribute = new byte[LibC.NetlinkAlign(4 + value.Length)];
        BinaryPrimitives.WriteUInt16LittleEndian(attribute, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(attribute.AsSpan(2), type);
        value.CopyTo(attribute, 4);
        return attribute;
    }

    private static byte[] Cut(byte[] data, int length) => data.AsSpan(0, Math.Min(length, data.Length)).ToArray();
}
