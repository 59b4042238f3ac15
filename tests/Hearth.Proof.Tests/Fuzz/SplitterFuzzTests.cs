using System.Diagnostics;
using Hearth.Skills.Splitting;
using Hearth.Testing.Corpus;
using Xunit.Abstractions;

namespace Hearth.Proof.Tests.Fuzz;

/// <summary>
/// The skill splitter on thousands of mutated real files (the generated skill corpus, every type and edge case): each
/// one splits, its sections tile the file, and recomposing gives the exact bytes back. The splitter promises never to
/// throw for any content, so any exception is a failure, and so is its safety net (a format splitter that failed and was
/// replaced by one whole section): that is a defect the net hid.
/// </summary>
public sealed class SplitterFuzzTests(ITestOutputHelper output)
{
    private const int BoundedMutations = 3000;

    /// <summary>Paths that make the detector guess: no extension, the wrong one, SKILL.md, dotfiles.</summary>
    private static readonly string[] OddPaths = ["SKILL.md", "README", "notes.txt", "data.json", "run.sh", "a.py", "b.ts", "c.mjs", ".hidden", "x/y/z.MD", "scripts/tool"];

    [Fact]
    public void Mutated_corpus_files_split_and_recompose_to_the_exact_bytes()
    {
        var seed = FuzzSettings.Seed;
        var mutations = BoundedMutations * FuzzSettings.Scale;
        var corpus = SkillCorpusGenerator.Generate(seed, files: Math.Max(SkillCorpusGenerator.CoverageFiles, 150), edgeCaseRate: 0.5);
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        long bytes = 0, sections = 0, invalidUtf8 = 0;

        for (var i = 0; i < mutations && failures.Count < 20; i++)
        {
            var caseSeed = FuzzSettings.CaseSeed(seed, i);
            var random = new Random(caseSeed);
            var file = corpus.Files[random.Next(corpus.Files.Count)];
            var donor = corpus.Files[random.Next(corpus.Files.Count)];
            var path = random.Next(5) switch { 0 => donor.Path, 1 => OddPaths[random.Next(OddPaths.Length)], _ => file.Path };
            var log = new List<string>();
            var content = new ByteMutator(random).Mutate(file.Content, donor.Content, log);
            bytes += content.Length;

            var failure = Check(path, content, ref sections, ref invalidUtf8);
            if (failure is not null)
                failures.Add($"seed {seed} case {i} (case seed {caseSeed}): {file.Path} as '{path}', {string.Join("; ", log)}: {failure}\n" +
                             $"  bytes (base64, {content.Length}): {Preview(content)}");
        }

        output.WriteLine($"{mutations} mutated files ({bytes:N0} bytes, {sections:N0} sections, {invalidUtf8} not UTF-8) in {clock.ElapsedMilliseconds} ms; seed {seed}, scale {FuzzSettings.Scale}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {mutations} mutated files failed (replay: HEARTH_FUZZ_SEED={seed}):\n" + string.Join("\n", failures));
        Assert.True(invalidUtf8 > 0, "no mutation produced invalid UTF-8: the mutator lost its teeth");
    }

    /// <summary>The control: the fuzz loop's checks do catch a broken round trip.</summary>
    [Fact]
    public void The_check_notices_a_section_that_was_altered()
    {
        var result = SkillSplitter.Split("SKILL.md", "# A\n\ntext\n\n## B\n\nmore\n"u8.ToArray());
        var altered = result.Sections.Select(s => s.Content.ToArray()).ToList();
        altered[^1][0] ^= 1;

        Assert.Throws<SectionIntegrityException>(() => SkillRecomposer.Recompose(altered.Select(a => (ReadOnlyMemory<byte>)a).ToList(), result.Sha256));
    }

    /// <summary>Null when <paramref name="content"/> splits and recomposes exactly; otherwise what went wrong.</summary>
    private static string? Check(string path, byte[] content, ref long sections, ref long invalidUtf8)
    {
        SplitResult result;
        try
        {
            result = SkillSplitter.Split(path, content);
        }
        catch (Exception e)
        {
            return $"Split threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}";
        }
        sections += result.Sections.Count;
        if (!result.IsValidUtf8) invalidUtf8++;

        var hidden = result.Warnings.FirstOrDefault(w => w.Contains(" splitter failed (", StringComparison.Ordinal));
        if (hidden is not null) return $"a format splitter threw and the file was kept whole: {hidden}";
        if (content.Length > 0 && result.Sections.Count == 0) return "no sections for a non-empty file";
        if (result.Sha256 != SkillSplitter.Sha256Hex(content)) return "the result's SHA-256 is not the file's";

        try
        {
            // Both recompose paths: the split sections (tiling checked), and the stored contents (as the store does).
            var fromSections = SkillRecomposer.Recompose(result);
            if (!fromSections.AsSpan().SequenceEqual(content)) return "recomposed bytes differ";
            var fromContents = SkillRecomposer.Recompose(result.Sections.Select(s => s.Content).ToList(), result.Sha256, result.Sections.Select(s => s.Sha256).ToList());
            if (!fromContents.AsSpan().SequenceEqual(content)) return "recomposed stored contents differ";
        }
        catch (Exception e)
        {
            return $"Recompose threw {e.GetType().Name}: {e.Message}";
        }
        return null;
    }

    private static string Preview(byte[] content) =>
        content.Length <= 3000 ? Convert.ToBase64String(content) : Convert.ToBase64String(content, 0, 3000) + "… (replay the case seed for the rest)";
}
