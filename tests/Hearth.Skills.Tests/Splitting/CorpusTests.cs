using Hearth.Skills.Splitting;
using Hearth.Testing.Corpus;
using Xunit.Abstractions;

namespace Hearth.Skills.Tests.Splitting;

public sealed class CorpusTests(ITestOutputHelper output)
{
    private const int Seed = 20_260_206;

    [Fact]
    public void Every_file_of_a_2500_file_corpus_round_trips_exactly_with_a_sound_tree_and_its_expected_type()
    {
        var corpus = SkillCorpusGenerator.Generate(Seed, files: 2500);
        Assert.True(corpus.Files.Count >= 2000);

        var wrongType = new List<string>();
        var unexpectedWarnings = new List<string>();
        var sections = 0;
        foreach (var file in corpus.Files)
        {
            var r = SplitAssert.SplitValid(file.Path, file.Content);
            sections += r.Sections.Count;
            if (r.Type.ToName() != file.ExpectedType)
                wrongType.Add($"{file.Path}: {r.Type.ToName()} by '{r.DetectionRule}', expected {file.ExpectedType} [{string.Join(", ", file.EdgeCases)}]");
            // Warnings are for invalid UTF-8, truncated JSON, and a JSON file holding only whitespace.
            var explained = file.EdgeCases.Contains(CorpusEdgeCases.InvalidUtf8) || file.EdgeCases.Contains(CorpusEdgeCases.JsonInvalid)
                || (r.Format == SkillFileFormat.Json && file.EdgeCases.Contains(CorpusEdgeCases.WhitespaceOnly));
            if (r.Warnings.Count > 0 && !explained)
                unexpectedWarnings.Add($"{file.Path}: {string.Join(" ", r.Warnings)}");
            if (file.EdgeCases.Contains(CorpusEdgeCases.JsonInvalid) && !r.Warnings.Any(w => w.StartsWith("Not valid JSON", StringComparison.Ordinal)))
                unexpectedWarnings.Add($"{file.Path}: truncated JSON was accepted");
        }

        Assert.True(wrongType.Count == 0, string.Join("\n", wrongType));
        Assert.True(unexpectedWarnings.Count == 0, string.Join("\n", unexpectedWarnings));
        Assert.Equal(Enum.GetValues<SkillFileType>().Select(t => t.ToName()).Order(), corpus.CountByType.Keys.Order());
        Assert.Empty(CorpusEdgeCases.All.Except(corpus.CountByEdgeCase.Keys));
        output.WriteLine($"{corpus.Files.Count} files, {corpus.TotalBytes:N0} bytes, {sections:N0} sections");
        output.WriteLine(string.Join(", ", corpus.CountByType.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}")));
    }

    [Fact]
    public void The_bulk_ingest_library_of_1367_files_holds_about_19000_sections()
    {
        var corpus = SkillCorpusGenerator.Generate(Seed, SkillCorpusGenerator.DefaultFiles);

        var sections = corpus.Files.Sum(f => SkillSplitter.Split(f.Path, f.Content).Sections.Count);

        output.WriteLine($"{corpus.Files.Count} files, {sections:N0} sections, {corpus.TotalBytes:N0} bytes");
        Assert.Equal(1367, corpus.Files.Count);
        Assert.InRange(sections, 18_000, 20_500);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_coverage_files_hold_every_type_and_every_edge_case(int seed)
    {
        var corpus = SkillCorpusGenerator.Generate(seed, SkillCorpusGenerator.CoverageFiles, edgeCaseRate: 0);

        Assert.Equal(Enum.GetValues<SkillFileType>().Length, corpus.CountByType.Count);
        Assert.Empty(CorpusEdgeCases.All.Except(corpus.CountByEdgeCase.Keys));
    }

    [Fact]
    public void Generation_is_deterministic_for_a_seed()
    {
        var a = SkillCorpusGenerator.Generate(7, files: 300);
        var b = SkillCorpusGenerator.Generate(7, files: 300);
        var c = SkillCorpusGenerator.Generate(8, files: 300);

        Assert.Equal(a.Files.Select(f => (f.Path, Convert.ToHexString(f.Content))), b.Files.Select(f => (f.Path, Convert.ToHexString(f.Content))));
        Assert.NotEqual(a.Files.Select(f => f.Path), c.Files.Select(f => f.Path));
        Assert.Equal(300, a.Files.Select(f => f.Path.ToLowerInvariant()).Distinct().Count());
    }

    [Fact]
    public void A_clean_corpus_has_no_edge_cases_beyond_the_coverage_files()
    {
        var corpus = SkillCorpusGenerator.Generate(Seed, files: 400, edgeCaseRate: 0);

        Assert.All(corpus.Files.Skip(100), f => Assert.DoesNotContain(f.EdgeCases, e => e is CorpusEdgeCases.Crlf or CorpusEdgeCases.Bom or CorpusEdgeCases.InvalidUtf8));
    }

    [Fact]
    public void The_corpus_writes_to_a_folder_byte_for_byte()
    {
        var corpus = SkillCorpusGenerator.Generate(Seed, files: 250);
        var dir = Path.Combine(Path.GetTempPath(), $"hearth-corpus-{Guid.NewGuid():N}");
        try
        {
            corpus.WriteTo(dir);

            var written = Directory.GetFiles(dir, "*", SearchOption.AllDirectories);
            Assert.Equal(corpus.Files.Count, written.Length);
            Assert.All(corpus.Files, f => Assert.Equal(f.Content, File.ReadAllBytes(Path.Combine(dir, f.Path))));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
