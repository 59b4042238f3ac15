using System.Globalization;

namespace Hearth.Proof.Tests.Fuzz;

/// <summary>
/// How long the fuzz tests run and from which seed: <c>HEARTH_FUZZ_SCALE</c> multiplies every iteration count (1 in
/// ./test, 20 in ./chaos), <c>HEARTH_FUZZ_SEED</c> replays a reported run (default: a fixed seed, so ./test is repeatable).
/// </summary>
public static class FuzzSettings
{
    public const int DefaultSeed = 20260410;

    public static int Scale => Read("HEARTH_FUZZ_SCALE", 1, min: 1);

    public static int Seed => Read("HEARTH_FUZZ_SEED", DefaultSeed, min: int.MinValue);

    /// <summary>The seed of one case: replaying it needs only this number, not the cases before it.</summary>
    public static int CaseSeed(int seed, int index)
    {
        // SplitMix64: HashCode.Combine would differ from process to process, and a replay must not.
        var z = ((ulong)(uint)seed << 32 | (uint)index) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    private static int Read(string name, int fallback, int min)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        // A typo must not silently shrink the long run to the bounded one.
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min)
            throw new InvalidOperationException($"{name}='{text}' is not an integer of at least {min}.");
        return value;
    }
}
