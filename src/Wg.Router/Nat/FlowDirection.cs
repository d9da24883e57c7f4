// Which of a flow's two tuples a packet matched: the one its first packet had, or the inverted one.
namespace WgSharp.Router.Nat;

internal enum FlowDirection : byte
{
    /// <summary>Same way as the packet that created the flow.</summary>
    Original = 0,

    /// <summary>The other way: a reply.</summary>
    Reply = 1,
}
