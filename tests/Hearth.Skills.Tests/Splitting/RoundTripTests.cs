using System.Security.Cryptography;
using System.Text;
using Hearth.Skills.Splitting;
using static Hearth.Skills.Tests.Splitting.SplitAssert;

namespace Hearth.Skills.Tests.Splitting;

public sealed class RoundTripTests
{
    public static TheoryData<string, byte[]> EdgeCases()
    {
        var data = new TheoryData<string, byte[]>
        {
            { "a.md", [] },
            { "a.md", "\n\n \t\n"u8.ToArray() },
            { "a.md", "# A\r\n\r\ntext\r\n## B\r\n"u8.ToArray() },
            { "a.md", "# A\ntext\r\n## B\rmore\n\r# C"u8.ToArray() },
            { "a.md", "# A\n## B"u8.ToArray() },
            { "a.md", [0xEF, 0xBB, 0xBF, .. "# Title\n"u8] },
            { "a.md", [0xEF, 0xBB, 0xBF] },
            { "a.md", "#\t\tTabs\n#     Spaces\n"u8.ToArray() },
            { "a.md", [.. "# Bad "u8, 0xC3, 0x28, .. "\n## Also "u8, 0xFF, 0xFE, .. "\ntext "u8, 0xED, 0xA0, 0x80, 0x0A] },
            { "a.md", "\r"u8.ToArray() },
            { "a.md", "\r\n"u8.ToArray() },
            { "a.md", "#"u8.ToArray() },
            { "a.md", "---\n---"u8.ToArray() },
            { "a.py", "def f():\r\n    pass\r\nclass A:\r    def m(self): pass\r"u8.ToArray() },
            { "a.py", [0xEF, 0xBB, 0xBF, .. "def f(): pass"u8] },
            { "a.ts", [.. "function f() {}\n// "u8, 0xFF, .. "\nclass A {}"u8] },
            { "a.sh", "f() {\r\n  cat <<EOF\r\n}\r\nEOF\r\n}\r\nmain"u8.ToArray() },
            { "a.json", [0xEF, 0xBB, 0xBF, .. "{\"a\":1}"u8] },
            { "a.json", "{\r\"a\": 1,\r\"b\": 2\r}"u8.ToArray() },
            { "a.json", [0x00, 0x01, 0xFF] },
            { "a.bin", [0x00, 0x0D, 0x0D, 0x0A, 0x0A, 0xFF] },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(EdgeCases))]
    public void Every_edge_case_round_trips_exactly(string path, byte[] bytes)
    {
        var r = SplitValid(path, bytes);

        Assert.Equal(bytes, SkillRecomposer.Recompose(r));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), r.Sha256);
    }

    [Fact]
    public void An_empty_file_has_no_sections_and_recomposes_to_nothing()
    {
        var r = SplitValid("skills/x/SKILL.md", []);

        Assert.Empty(r.Sections);
        Assert.Empty(SkillRecomposer.Recompose(r));
        Assert.Equal(SkillFileType.Skill, r.Type);
    }

    [Fact]
    public void Invalid_utf8_is_kept_byte_for_byte_with_a_warning_and_lenient_titles()
    {
        byte[] bytes = [.. "# Caf"u8, 0xE9, .. "\ntext\n"u8];

        var r = SplitValid("a.md", bytes);

        Assert.False(r.IsValidUtf8);
        Assert.Contains(r.Warnings, w => w.Contains("offset 5", StringComparison.Ordinal));
        Assert.Equal("Caf\uFFFD", r.Sections[0].Title);
        Assert.Equal(bytes, SkillRecomposer.Recompose(r));
    }

    [Fact]
    public void Recompose_from_stored_contents_checks_the_file_hash_and_names_the_altered_section()
    {
        var r = Split("a.md", "# A\none\n# B\ntwo\n");
        var contents = r.Sections.Select(s => s.Content).ToList();
        var hashes = r.Sections.Select(s => s.Sha256).ToList();

        Assert.Equal(r.Content.ToArray(), SkillRecomposer.Recompose(contents, r.Sha256, hashes));

        contents[1] = Encoding.UTF8.GetBytes("# B\ntw0\n");
        var error = Assert.Throws<SectionIntegrityException>(() => SkillRecomposer.Recompose(contents, r.Sha256, hashes));
        Assert.Contains("Section 1 does not match its own SHA-256", error.Message);
        Assert.Contains(r.Sha256, error.Message);
    }

    [Fact]
    public void Recompose_refuses_missing_or_reordered_sections()
    {
        var r = Split("a.md", "# A\none\n# B\ntwo\n# C\n");

        var missing = Assert.Throws<SectionIntegrityException>(() => SkillRecomposer.Recompose([r.Sections[0], r.Sections[2]], r.Sha256));
        Assert.Contains("missing or out of order", missing.Message);
        Assert.Throws<SectionIntegrityException>(() => SkillRecomposer.Recompose([r.Sections[1], r.Sections[0], r.Sections[2]], r.Sha256));
        Assert.Throws<SectionIntegrityException>(() => SkillRecomposer.Recompose(r.Sections.Select(s => s.Content).Reverse().ToList(), r.Sha256));
    }

    [Fact]
    public void Splitting_is_deterministic()
    {
        var bytes = Encoding.UTF8.GetBytes("---\nname: x\n---\n# A\n<t>\n## B\n</t>\nz\n");

        var first = SkillSplitter.Split("a.md", bytes);
        var second = SkillSplitter.Split("a.md", bytes.ToArray());

        Assert.Equal(first.Sections.Select(s => (s.Key, s.Offset, s.Sha256)), second.Sections.Select(s => (s.Key, s.Offset, s.Sha256)));
    }
}
