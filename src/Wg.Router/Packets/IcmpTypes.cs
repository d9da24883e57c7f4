// ICMPv4 (RFC 792, RFC 1191, RFC 1812) and ICMPv6 (RFC 4443) message types and codes the router uses.
namespace WgSharp.Router.Packets;

internal static class IcmpTypes
{
    public static class V4
    {
        public const byte EchoReply = 0;
        public const byte DestinationUnreachable = 3;
        public const byte SourceQuench = 4;
        public const byte Redirect = 5;
        public const byte EchoRequest = 8;
        public const byte TimeExceeded = 11;
        public const byte ParameterProblem = 12;

        /// <summary>Highest type Linux knows (NR_ICMP_TYPES); it treats unknown types as errors.</summary>
        public const byte MaxKnownType = 18;

        /// <summary>Destination Unreachable code 1 (RFC 792).</summary>
        public const byte CodeHostUnreachable = 1;
        /// <summary>Destination Unreachable code 4: fragmentation needed and DF set (RFC 792, MTU per RFC 1191).</summary>
        public const byte CodeFragmentationNeeded = 4;
        /// <summary>Destination Unreachable code 13: communication administratively prohibited (RFC 1812 5.2.7.1).</summary>
        public const byte CodeAdministrativelyProhibited = 13;

        /// <summary>RFC 792 / RFC 1812 4.3.2.3 error messages (never answered with another error).</summary>
        public static bool IsError(byte type) =>
            type is DestinationUnreachable or SourceQuench or Redirect or TimeExceeded or ParameterProblem;
    }

    public static class V6
    {
        public const byte DestinationUnreachable = 1;
        public const byte PacketTooBig = 2;
        public const byte TimeExceeded = 3;
        public const byte ParameterProblem = 4;
        public const byte EchoRequest = 128;
        public const byte EchoReply = 129;

        /// <summary>Destination Unreachable code 1 (RFC 4443 3.1).</summary>
        public const byte CodeAdministrativelyProhibited = 1;
        /// <summary>Destination Unreachable code 3 (RFC 4443 3.1).</summary>
        public const byte CodeAddressUnreachable = 3;

        /// <summary>RFC 4443 2.1: types 0..127 are error messages.</summary>
        public static bool IsError(byte type) => type < 128;
    }
}
