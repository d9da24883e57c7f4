// One conntrack entry as `wgsharp show` lists it (control plane: allocated on demand).
namespace WgSharp.Router.Nat;

public sealed record FlowSnapshot(
    FlowTuple Original,
    FlowTuple Reply,
    FlowOrigin Origin,
    int Peer,
    TcpConnectionState TcpState,
    bool SeenReply,
    bool Assured,
    TimeSpan ExpiresIn)
{
    public bool IsTranslated => Reply != Original.Invert();
}
