using BenchmarkDotNet.Running;

namespace Hearth.Benchmarks;

/// <summary>`./bench micro [filter]` runs the BenchmarkDotNet suites; load harnesses have their own subcommands in ./bench.</summary>
public static class BenchProgram
{
    public static int Main(string[] args)
    {
        BenchmarkSwitcher.FromAssembly(typeof(BenchProgram).Assembly).Run(args);
        return 0;
    }
}
