// "Did you mean ...?" for misspelt key, section and peer names: the closest candidate by edit distance
// (optimal string alignment: insertions, deletions, substitutions and swaps of neighbours), ignoring case.
namespace WgSharp.Cli.Configuration;

internal static class KeySuggestion
{
    /// <summary>The candidate closest to <paramref name="input"/> when it is close enough to be a typo
    /// (at most 1 edit for names up to 5 characters, 2 beyond); null otherwise.</summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        int limit = input.Length <= 5 ? 1 : 2;
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int distance = Distance(input.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance <= limit && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    public static int Distance(string a, string b)
    {
        int[,] d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int value = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    value = Math.Min(value, d[i - 2, j - 2] + 1);
                }

                d[i, j] = value;
            }
        }

        return d[a.Length, b.Length];
    }
}
