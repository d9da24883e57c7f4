// An intrusive doubly-linked list threaded through an array by index: the age order (oldest first) of the
// connection table's flows and of the fragment tracker's trains, so expiry reads from the head in O(1).
namespace WgSharp.Router.Nat;

/// <summary>Where a node keeps its two links. Static so the list operations need no instance or boxing.</summary>
internal interface IIndexListNode<TSelf> where TSelf : struct, IIndexListNode<TSelf>
{
    static abstract ref int Previous(ref TSelf node);

    static abstract ref int Next(ref TSelf node);
}

/// <summary>
/// Append and unlink for lists whose head and tail the owner keeps. The node type is a struct type argument,
/// so the JIT compiles one copy per table with the links read as plain fields (no call per packet).
/// </summary>
internal static class IndexList
{
    /// <summary>The link of the first node's Previous and the last node's Next.</summary>
    public const int End = -1;

    public static void Append<TNode>(TNode[] nodes, ref int head, ref int tail, int index)
        where TNode : struct, IIndexListNode<TNode>
    {
        ref TNode node = ref nodes[index];
        TNode.Previous(ref node) = tail;
        TNode.Next(ref node) = End;
        if (tail == End)
        {
            head = index;
        }
        else
        {
            TNode.Next(ref nodes[tail]) = index;
        }
        tail = index;
    }

    public static void Unlink<TNode>(TNode[] nodes, ref int head, ref int tail, int index)
        where TNode : struct, IIndexListNode<TNode>
    {
        ref TNode node = ref nodes[index];
        int previous = TNode.Previous(ref node);
        int next = TNode.Next(ref node);
        if (previous == End)
        {
            head = next;
        }
        else
        {
            TNode.Next(ref nodes[previous]) = next;
        }
        if (next == End)
        {
            tail = previous;
        }
        else
        {
            TNode.Previous(ref nodes[next]) = previous;
        }
        TNode.Previous(ref node) = End;
        TNode.Next(ref node) = End;
    }
}
