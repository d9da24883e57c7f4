// WgSharp's own one-item forms of `show <interface> <view>`: the policy router's rules, tracked flows
// and counters, tab-separated for scripts like wg's fields.
namespace WgSharp.Cli.Presentation;

internal enum PolicyView
{
    Rules,
    Conntrack,
    Drops,
}

internal static class PolicyViews
{
    public static readonly (string Name, PolicyView View)[] Names =
    [
        ("rules", PolicyView.Rules),
        ("conntrack", PolicyView.Conntrack),
        ("drops", PolicyView.Drops),
    ];

    public static bool TryParse(string name, out PolicyView view)
    {
        foreach ((string candidate, PolicyView value) in Names)
        {
            if (candidate == name)
            {
                view = value;
                return true;
            }
        }

        view = default;
        return false;
    }
}
