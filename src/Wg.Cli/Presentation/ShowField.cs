// The one-item forms of `show <interface> <field>` (wg's script-friendly, tab-separated output), by
// the names wg gives them.
namespace WgSharp.Cli.Presentation;

internal enum ShowField
{
    PublicKey,
    PrivateKey,
    ListenPort,
    FirewallMark,
    Peers,
    PresharedKeys,
    Endpoints,
    AllowedIps,
    LatestHandshakes,
    Transfer,
    PersistentKeepalive,
    Dump,
}

internal static class ShowFields
{
    /// <summary>Names in wg's usage order.</summary>
    public static readonly (string Name, ShowField Field)[] Names =
    [
        ("public-key", ShowField.PublicKey),
        ("private-key", ShowField.PrivateKey),
        ("listen-port", ShowField.ListenPort),
        ("fwmark", ShowField.FirewallMark),
        ("peers", ShowField.Peers),
        ("preshared-keys", ShowField.PresharedKeys),
        ("endpoints", ShowField.Endpoints),
        ("allowed-ips", ShowField.AllowedIps),
        ("latest-handshakes", ShowField.LatestHandshakes),
        ("transfer", ShowField.Transfer),
        ("persistent-keepalive", ShowField.PersistentKeepalive),
        ("dump", ShowField.Dump),
    ];

    public static bool TryParse(string name, out ShowField field)
    {
        foreach ((string candidate, ShowField value) in Names)
        {
            if (candidate == name)
            {
                field = value;
                return true;
            }
        }

        field = default;
        return false;
    }
}
