// A broken invariant: the input is a finding even though nothing threw by itself.
namespace WgSharp.Fuzz;

internal sealed class InvariantException(string message) : Exception(message)
{
    public static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvariantException(what);
        }
    }
}
