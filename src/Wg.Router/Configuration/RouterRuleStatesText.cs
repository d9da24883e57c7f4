// The text of a rule's State selector, one grammar for the config file, the UAPI extension and `wgsharp show`:
// state words separated by commas ("established,related"), each at most once.
namespace WgSharp.Router.Configuration;

public static class RouterRuleStatesText
{
    /// <summary>What a valid value is, for error messages.</summary>
    public const string Expected = "one or more of new, established, related, invalid, separated by commas, each once";

    private static readonly (string Word, RouterRuleStates State)[] Words =
    [
        ("new", RouterRuleStates.New),
        ("established", RouterRuleStates.Established),
        ("related", RouterRuleStates.Related),
        ("invalid", RouterRuleStates.Invalid),
    ];

    /// <summary>The words of <paramref name="states"/> in a fixed order, comma-separated without spaces.</summary>
    public static string Format(RouterRuleStates states) =>
        string.Join(',', Words.Where(w => (states & w.State) != 0).Select(w => w.Word));

    /// <summary>Parses words separated by commas (spaces around them allowed); false for an empty, unknown or repeated word.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out RouterRuleStates states)
    {
        states = RouterRuleStates.None;
        foreach (Range range in text.Split(','))
        {
            ReadOnlySpan<char> word = text[range].Trim(' ');
            RouterRuleStates found = RouterRuleStates.None;
            foreach ((string name, RouterRuleStates state) in Words)
            {
                if (word.SequenceEqual(name))
                {
                    found = state;
                }
            }

            if (found == RouterRuleStates.None || (states & found) != 0)
            {
                states = RouterRuleStates.None;
                return false;
            }

            states |= found;
        }

        return states != RouterRuleStates.None;
    }
}
