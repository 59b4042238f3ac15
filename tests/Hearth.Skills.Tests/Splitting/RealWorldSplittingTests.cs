using System.Text;
using Hearth.Skills.Splitting;
using Hearth.Testing.Corpus;
using static Hearth.Skills.Tests.Splitting.SplitAssert;

namespace Hearth.Skills.Tests.Splitting;

/// <summary>
/// What real public skill libraries hold that the generated corpus did not (issue 16): binary assets and stray NULs,
/// fences in list items and quotes, shell here-strings, TypeScript without semicolons, Dockerfiles and schemas,
/// JSON Lines, READMEs beside hooks, marketplaces at a repository's root.
/// </summary>
public sealed class RealWorldSplittingTests
{
    // ---- D1: binary files by content; text with NUL stays text ------------------------------------------------

    [Theory]
    [InlineData(".png")]
    [InlineData(".pdf")]
    [InlineData(".ttf")]
    [InlineData(".gz")]
    [InlineData(".jpg")]
    [InlineData(".woff2")]
    [InlineData(".zip")]
    [InlineData(".ico")]
    public void A_binary_asset_is_one_binary_section_of_an_asset_without_warnings(string extension)
    {
        var bytes = BinaryAssets.Make(new Random(extension.Length), extension);

        var r = SplitValid($"skills/pdf/assets/logo{extension}", bytes);

        Assert.Equal(SkillFileType.Asset, r.Type);
        Assert.Equal(SkillFileFormat.Binary, r.Format);
        Assert.True(r.IsBinary);
        var section = Assert.Single(r.Sections);
        Assert.Equal(SectionKind.Binary, section.Kind);
        Assert.Equal("binary", section.Key);
        Assert.StartsWith($"logo{extension} (binary, ", section.Title);
        Assert.Empty(r.Warnings);
    }

    [Theory]
    [InlineData("skills/x/notes.md")]
    [InlineData("skills/x/SKILL.md")]
    [InlineData("skills/x/scripts/run.py")]
    [InlineData("hooks/hooks.json")]
    public void Binary_content_is_binary_whatever_the_file_is_called(string path)
    {
        var png = BinaryAssets.Make(new Random(3), ".png");
        var r = SplitValid(path, png);
        Assert.Equal(SkillFileFormat.Binary, r.Format);
        Assert.Single(r.Sections);
    }

    [Fact]
    public void Binary_content_without_a_known_signature_is_found_by_its_bytes()
    {
        var bytes = new byte[4000];
        new Random(5).NextBytes(bytes);
        bytes[100] = 0;
        Assert.Equal(SkillFileFormat.Binary, SplitValid("data/blob.dat", bytes).Format);
        // A text-looking extension does not make mostly-control bytes text either.
        var controls = Enumerable.Range(0, 400).Select(i => (byte)(i % 8)).ToArray();
        Assert.Equal(SkillFileFormat.Binary, SplitValid("notes.txt", controls).Format);
    }

    [Fact]
    public void Markdown_holding_a_nul_byte_is_still_markdown_split_by_its_headings()
    {
        var r = SplitValid("nul.md", "# N\n\nzebracorn a\0b\n\n## More\n\ntext\n"u8.ToArray());

        Assert.Equal(SkillFileFormat.Markdown, r.Format);
        Assert.Equal(["h1 N", "  h2 More"], Outline(r));
        Assert.True(r.IsValidUtf8);
    }

    [Fact]
    public void A_git_lfs_pointer_named_png_is_text()
    {
        var pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n"u8.ToArray();
        Assert.Equal(SkillFileFormat.Text, SplitValid("assets/logo.png", pointer).Format);
    }

    [Fact]
    public void Utf16_text_keeps_its_type_and_is_one_section_with_a_note()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("---\nname: pdf\ndescription: d\n---\n# PDF\n\n## Forms\n")).ToArray();

        var r = SplitValid("skills/pdf/SKILL.md", bytes);

        Assert.Equal(SkillFileType.Skill, r.Type);
        Assert.Equal(SkillFileFormat.Text, r.Format);
        Assert.Single(r.Sections);
        Assert.Contains(r.Warnings, w => w.StartsWith("UTF-16 text (little-endian)", StringComparison.Ordinal));
    }

    // ---- D2: CommonMark fences inside list items and block quotes ---------------------------------------------

    [Fact]
    public void A_fence_opened_on_a_list_item_line_hides_its_comments_and_closes_on_its_own_closing_line()
    {
        var r = Split("guide.md", "# Guide\n\n## Steps\n\n1. ```sh\n   # install the tool\n   pip install x\n   ```\n\n## Next\n\ndone\n");

        Assert.Equal(["h1 Guide", "  h2 Steps", "  h2 Next"], Outline(r));
    }

    [Fact]
    public void A_fence_in_a_nested_list_item_and_one_in_a_bullet_close_where_they_should()
    {
        var r = Split("guide.md", "# Guide\n\n- Install:\n  - ```bash\n    # not a heading\n    make\n    ```\n- ~~~\n  # nor this\n  ~~~\n\n## After\n");

        Assert.Equal(["h1 Guide", "  h2 After"], Outline(r));
    }

    [Fact]
    public void A_fence_in_a_list_item_ends_with_the_item()
    {
        // CommonMark: the unindented heading ends the list item, and the unclosed fence with it.
        var r = Split("guide.md", "# Guide\n\n1. ```sh\n   # comment\n## Next\n\ntext\n");

        Assert.Equal(["h1 Guide", "  h2 Next"], Outline(r));
    }

    [Fact]
    public void A_fence_in_a_block_quote_hides_its_lines_and_ends_with_the_quote()
    {
        var r = Split("notes.md", "# Notes\n\n> ```python\n> # a comment\n> ```\n\n## Then\n\n> ```\n> # open\n\n## Last\n");

        Assert.Equal(["h1 Notes", "  h2 Then", "  h2 Last"], Outline(r));
    }

    [Fact]
    public void A_fence_at_the_items_content_column_still_works_as_before()
    {
        var r = Split("guide.md", "# Guide\n\n1. Run:\n\n   ```sh\n   # comment\n   ```\n\n## Next\n");

        Assert.Equal(["h1 Guide", "  h2 Next"], Outline(r));
    }

    // ---- D3: shell here-strings are not here-documents --------------------------------------------------------

    [Fact]
    public void A_here_string_does_not_swallow_the_functions_after_it()
    {
        var r = Split("scripts/x.sh", "#!/bin/bash\na() { grep foo <<<\"$x\"; }\n\nb() {\n  echo b\n}\n\nc() {\n  cat <<< 'word'\n}\n");

        Assert.Equal(["preamble #!/bin/bash", "function a", "function b", "function c"], Outline(r));
    }

    [Fact]
    public void Here_documents_still_hide_function_looking_lines()
    {
        var r = Split("scripts/x.sh", "a() {\n  cat <<EOF\nb() {\nEOF\n}\n\nc() {\n  :\n}\n");

        Assert.Equal(["function a", "function c"], Outline(r));
    }

    // ---- D4: TypeScript declarations without semicolons --------------------------------------------------------

    [Fact]
    public void A_typed_let_without_a_semicolon_is_not_the_function_that_follows()
    {
        var r = Split("hooks/src/index.ts", "let root: string\nconst f = () => 1\n\nexport function g(): void {\n  return\n}\n");

        Assert.DoesNotContain(r.Sections, s => s.Title == "root" && s.Kind == SectionKind.Function);
        Assert.Contains(r.Sections, s => s.Title == "f" && s.Kind == SectionKind.Function);
        Assert.Contains(r.Sections, s => s.Title == "g" && s.Kind == SectionKind.Function);
    }

    [Fact]
    public void A_typed_arrow_function_over_several_lines_is_still_a_function()
    {
        var r = Split("src/a.ts", "const handler: (\n  input: string,\n) => number = (input) => input.length\n");

        Assert.Contains(r.Sections, s => s.Title == "handler" && s.Kind == SectionKind.Function);
    }

    // ---- D5: unknown formats are one section -------------------------------------------------------------------

    [Theory]
    [InlineData("Dockerfile", "# syntax=docker/dockerfile:1\nFROM python:3.12\n# install\nRUN pip install x\n")]
    [InlineData("Makefile", "# Build\nall:\n\t# compile\n\tgo build\n")]
    [InlineData("skills/xlsx/ooxml/schemas/sml.xsd", "<?xml version=\"1.0\"?>\n<xsd:schema>\n<xsd:element name=\"a\">\n</xsd:element>\n</xsd:schema>\n")]
    [InlineData("skills/x/Info.plist", "<plist>\n<dict>\n  <key>a</key>\n</dict>\n</plist>\n")]
    [InlineData("notes.unknown", " indented line\n\tand a tab\n# comment\n")]
    [InlineData("LICENSE", "MIT License\n\n# not a heading\n")]
    public void Files_of_unknown_formats_are_one_body_section(string path, string text)
    {
        var r = Split(path, text);

        Assert.Equal(SkillFileFormat.Text, r.Format);
        var section = Assert.Single(r.Sections);
        Assert.Equal(SectionKind.Body, section.Kind);
    }

    [Fact]
    public void A_line_starting_with_a_space_is_not_a_heading_of_level_zero()
    {
        Assert.Equal(SkillFileFormat.Text, SkillFileDetector.Detect("bin/notes", " hello\n world\n"u8).Format);
    }

    // ---- D7: JSON Lines ---------------------------------------------------------------------------------------

    [Fact]
    public void Json_lines_are_their_own_format_without_a_json_warning()
    {
        var r = Split("skills/x/evals/cases.jsonl", "{\"q\": \"a\", \"expected\": 1}\n{\"q\": \"b\", \"expected\": 2}\n");

        Assert.Equal(SkillFileFormat.JsonLines, r.Format);
        Assert.Equal("jsonl", r.Format.ToName());
        Assert.NotEqual(SkillFileType.Config, r.Type);
        Assert.Single(r.Sections);
        Assert.Empty(r.Warnings);
    }

    // ---- D8: file typing ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("plugins/guard/hooks/README.md", SkillFileType.Documentation)]
    [InlineData("hooks/NOTES.md", SkillFileType.Documentation)]
    [InlineData("plugins/guard/hooks/check.sh", SkillFileType.Hook)]
    [InlineData("plugins/guard/hooks/src/index.ts", SkillFileType.Hook)]
    [InlineData("plugins/guard/hooks/hooks.json", SkillFileType.Hook)]
    [InlineData("hooks/package.json", SkillFileType.Config)]
    [InlineData("marketplace.json", SkillFileType.Plugin)]
    [InlineData("plugins/marketplace.json", SkillFileType.Plugin)]
    [InlineData(".claude-plugin/marketplace.json", SkillFileType.Plugin)]
    public void Hooks_folders_hold_hooks_and_documentation_and_marketplaces_are_plugins_anywhere(string path, SkillFileType type)
    {
        var content = path.EndsWith(".json", StringComparison.Ordinal) ? "{\"name\": \"m\", \"plugins\": []}\n"
            : path.EndsWith(".md", StringComparison.Ordinal) ? "# Hooks\n\nHow they work.\n"
            : "echo hi\n";
        Assert.Equal(type, SkillFileDetector.Detect(path, Encoding.UTF8.GetBytes(content)).Type);
    }
}
