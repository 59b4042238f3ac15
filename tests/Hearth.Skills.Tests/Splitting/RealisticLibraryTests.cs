using Hearth.Skills.Splitting;
using Hearth.Testing.Corpus;
using Xunit.Abstractions;

namespace Hearth.Skills.Tests.Splitting;

/// <summary>The issue-16 regression corpus, split in process: exact round trips, the expected types, binary files as binary.</summary>
public sealed class RealisticLibraryTests(ITestOutputHelper output)
{
    [Fact]
    public void The_regression_corpus_splits_exactly_with_the_expected_types_and_binaries_left_whole()
    {
        var library = RealisticLibraryGenerator.Generate(seed: 16);

        var sections = 0;
        var wrong = new List<string>();
        foreach (var file in library.Files)
        {
            var r = SplitAssert.SplitValid(file.Path, file.Content);
            sections += r.Sections.Count;
            if (r.Type.ToName() != file.ExpectedType)
                wrong.Add($"{file.Path}: {r.Type.ToName()} by '{r.DetectionRule}', expected {file.ExpectedType}");
            if (r.IsBinary != file.Binary)
                wrong.Add($"{file.Path}: binary {r.IsBinary}, expected {file.Binary}");
            if (r.Warnings.Any(w => w.StartsWith("Not valid JSON", StringComparison.Ordinal) || w.Contains("splitter failed", StringComparison.Ordinal)))
                wrong.Add($"{file.Path}: {string.Join(" ", r.Warnings)}");
        }

        output.WriteLine($"{library.Files.Count:N0} files ({library.Files.Count(f => f.Binary)} binary), {sections:N0} sections, {library.TotalBytes:N0} bytes");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.InRange(library.Files.Count, 1400, 1600);
        Assert.True(sections >= 15_000, $"{sections} sections");
        Assert.Equal(library.TextFiles.Count(), library.TextFiles.Select(f => f.Marker).Distinct().Count());
        // What real libraries hold is all there.
        Assert.Contains(library.Files, f => f.Binary && f.Path.EndsWith(".ttf", StringComparison.Ordinal));
        Assert.Contains(library.Files, f => !f.Binary && f.Content.Contains((byte)0));
        Assert.Contains(library.Files, f => f.Content.AsSpan().StartsWith([(byte)0xFF, (byte)0xFE]));
        Assert.Contains(library.Files, f => f.Path.EndsWith(".jsonl", StringComparison.Ordinal));
        Assert.Contains(library.Files, f => f.Path.Contains("/hooks/src/", StringComparison.Ordinal));
    }

    [Fact]
    public void The_regression_corpus_is_the_same_for_a_seed()
    {
        var a = RealisticLibraryGenerator.Generate(seed: 3, files: 200);
        var b = RealisticLibraryGenerator.Generate(seed: 3, files: 200);
        Assert.Equal(a.Files.Select(f => (f.Path, Convert.ToHexString(f.Content))), b.Files.Select(f => (f.Path, Convert.ToHexString(f.Content))));
    }
}
