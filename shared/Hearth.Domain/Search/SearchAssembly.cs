using System.Runtime.CompilerServices;

// The search tests check the in-memory index directly; the benchmarks measure it.
[assembly: InternalsVisibleTo("Hearth.Search.Tests")]
[assembly: InternalsVisibleTo("Hearth.Benchmarks")]
