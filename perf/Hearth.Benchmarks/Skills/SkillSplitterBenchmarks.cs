using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Hearth.Skills.Splitting;
using Hearth.Testing.Corpus;

namespace Hearth.Benchmarks.Skills;

/// <summary>
/// The splitter's speed target: split and recompose a 50 KB markdown file in at most 0.2 ms (skill-split: 0.67 ms for
/// the split alone). Split includes the file's SHA-256 (section hashes are computed on first use; one benchmark reads
/// them all); recompose includes the SHA-256 check.
/// Run: ./bench micro --filter '*SkillSplitterBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class SkillSplitterBenchmarks
{
    private byte[] _markdown = [];
    private SplitResult _split = null!;
    private SkillCorpus _library = null!;

    [GlobalSetup]
    public void Setup()
    {
        _markdown = SkillCorpusGenerator.LargeMarkdown(seed: 1, targetBytes: 50 * 1024);
        _split = SkillSplitter.Split("skills/large/SKILL.md", _markdown);
        _library = SkillCorpusGenerator.Generate(seed: 1, SkillCorpusGenerator.DefaultFiles);
        Console.WriteLine($"// markdown: {_markdown.Length:N0} bytes, {_split.Sections.Count} sections; library: {_library.Files.Count:N0} files, {_library.TotalBytes:N0} bytes");
    }

    [Benchmark(Baseline = true, Description = "Split + recompose 50 KB markdown")]
    public byte[] SplitAndRecompose() => SkillRecomposer.Recompose(SkillSplitter.Split("skills/large/SKILL.md", _markdown));

    [Benchmark(Description = "Split + every section's SHA-256 + recompose")]
    public byte[] SplitHashAllAndRecompose()
    {
        var result = SkillSplitter.Split("skills/large/SKILL.md", _markdown);
        foreach (var section in result.Sections)
            _ = section.Sha256;
        return SkillRecomposer.Recompose(result);
    }

    [Benchmark(Description = "Split 50 KB markdown")]
    public SplitResult Split() => SkillSplitter.Split("skills/large/SKILL.md", _markdown);

    [Benchmark(Description = "Recompose 50 KB markdown")]
    public byte[] Recompose() => SkillRecomposer.Recompose(_split);

    [Benchmark(Description = "SHA-256 of 50 KB (floor)")]
    public byte[] Sha256() => SHA256.HashData(_markdown);

    [Benchmark(Description = "Split the 1,367-file library")]
    public int SplitLibrary()
    {
        var sections = 0;
        foreach (var file in _library.Files)
            sections += SkillSplitter.Split(file.Path, file.Content).Sections.Count;
        return sections;
    }
}
