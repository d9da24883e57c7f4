// FsCheck generators and a runner shared by the property tests (FsCheck 3 core API inside [Fact]).
using FsCheck;
using FsCheck.Fluent;

namespace WgSharp.Router.Tests;

internal static class Generators
{
    public static Gen<byte> Byte => Gen.Choose(0, 255).Select(i => (byte)i);

    /// <summary>Byte arrays whose length is uniform in [min, max], independent of FsCheck's size.</summary>
    public static Gen<byte[]> Bytes(int min, int max) =>
        Gen.Choose(min, max).SelectMany(n => Gen.ArrayOf(Byte, n));

    public static Gen<byte[]> V4Address => Gen.ArrayOf(Byte, 4);

    public static Gen<byte[]> V6Address => Gen.ArrayOf(Byte, 16);

    public static Gen<ushort> UInt16 => Gen.Choose(0, 0xFFFF).Select(i => (ushort)i);

    public static Gen<uint> UInt32 => Gen.Two(UInt16).Select(t => ((uint)t.Item1 << 16) | t.Item2);

    public static Gen<(TA, TB)> Zip<TA, TB>(Gen<TA> a, Gen<TB> b) =>
        a.SelectMany(x => b.Select(y => (x, y)));

    public static Gen<(TA, TB, TC)> Zip<TA, TB, TC>(Gen<TA> a, Gen<TB> b, Gen<TC> c) =>
        a.SelectMany(x => b.SelectMany(y => c.Select(z => (x, y, z))));

    public static Gen<(TA, TB, TC, TD)> Zip<TA, TB, TC, TD>(Gen<TA> a, Gen<TB> b, Gen<TC> c, Gen<TD> d) =>
        a.SelectMany(x => b.SelectMany(y => c.SelectMany(z => d.Select(w => (x, y, z, w)))));

    /// <summary>Runs a property for <paramref name="maxTest"/> cases; throws (failing the test) on a counterexample.</summary>
    public static void Check(Property property, int maxTest = 1000) =>
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(maxTest), property);
}
