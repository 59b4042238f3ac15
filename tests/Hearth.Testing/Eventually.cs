using System.Diagnostics;

namespace Hearth.Testing;

/// <summary>Waits for a condition the system under test makes true on its own (a job finishing), polling with a deadline.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds; throws with <paramref name="what"/> when the deadline passes.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            if (await condition()) return;
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for: {what}");
            await Task.Delay(delay);
            if (delay < TimeSpan.FromMilliseconds(200)) delay *= 2;
        }
    }

    /// <summary>Polls until <paramref name="read"/> returns a value satisfying <paramref name="accept"/>; returns it.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> accept, TimeSpan timeout, string what)
    {
        T value = default!;
        await TrueAsync(async () => accept(value = await read()), timeout, what);
        return value;
    }
}
