using BenchmarkDotNet.Running;

namespace Hearth.Benchmarks;

/// <summary>
/// `dotnet run -c Release -- &lt;harness&gt; [options]` runs a load harness (see <see cref="IHarness"/>; ./bench wraps them);
/// anything else goes to BenchmarkDotNet (`-- --filter '*Split*'`).
/// </summary>
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        var harnesses = typeof(BenchProgram).Assembly.GetTypes()
            .Where(t => typeof(IHarness).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IHarness)Activator.CreateInstance(t)!)
            .ToDictionary(h => h.Name, StringComparer.OrdinalIgnoreCase);
        if (args.Length > 0 && harnesses.TryGetValue(args[0], out var harness))
            return await harness.RunAsync(args[1..]);
        if (args is ["list"])
        {
            foreach (var h in harnesses.Values.OrderBy(h => h.Name)) Console.WriteLine($"{h.Name,-14} {h.Description}");
            return 0;
        }
        BenchmarkSwitcher.FromAssembly(typeof(BenchProgram).Assembly).Run(args);
        return 0;
    }
}

/// <summary>A load harness: a named scenario that measures end to end and prints (and records) a markdown table.</summary>
public interface IHarness
{
    string Name { get; }
    string Description { get; }
    Task<int> RunAsync(string[] args);
}
