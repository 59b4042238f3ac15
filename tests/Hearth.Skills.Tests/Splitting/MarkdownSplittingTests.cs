using Hearth.Skills.Splitting;
using static Hearth.Skills.Tests.Splitting.SplitAssert;

namespace Hearth.Skills.Tests.Splitting;

public sealed class MarkdownSplittingTests
{
    [Fact]
    public void Frontmatter_preamble_and_headings_nest_by_level()
    {
        var r = Split("docs/guide.md", "---\nname: x\n---\nIntro text.\n# One\nbody\n## Two\n### Three\n## Four\n# Five\n");

        Assert.Equal(
            ["frontmatter frontmatter", "preamble Intro text.", "h1 One", "  h2 Two", "    h3 Three", "  h2 Four", "h1 Five"],
            Outline(r));
        Assert.Equal("---\nname: x\n---\n", r.Sections[0].Text());
        Assert.Equal("# One\nbody\n", r.Sections[2].Text());
    }

    [Fact]
    public void A_deeper_heading_that_skips_levels_is_a_child()
    {
        var r = Split("a.md", "# Top\n#### Deep\n## Mid\n###### Deepest\n# Next\n");

        Assert.Equal(["h1 Top", "  h4 Deep", "  h2 Mid", "    h6 Deepest", "h1 Next"], Outline(r));
        Assert.Equal(0, r.Sections[1].ParentIndex);
        Assert.Equal(2, r.Sections[3].ParentIndex);
    }

    [Fact]
    public void Headings_inside_fenced_code_are_ignored_whatever_the_fence()
    {
        var text = "# Real\n```bash\n# comment\n```\n~~~~\n# tilde\n~~~\n## still inside a 4-tilde fence\n~~~~\n````md\n```\n# inner\n```\n````\n## After\n";

        Assert.Equal(["h1 Real", "  h2 After"], Outline(Split("a.md", text)));
    }

    [Fact]
    public void An_unclosed_fence_runs_to_the_end_of_the_file()
    {
        Assert.Equal(["h1 A"], Outline(Split("a.md", "# A\n```\n# not a heading\n## nor this")));
    }

    [Fact]
    public void A_backtick_line_with_backticks_in_its_info_string_is_not_a_fence()
    {
        Assert.Equal(["h1 A", "h1 B"], Outline(Split("a.md", "# A\n``` x `y`\n# B\n")));
    }

    [Theory]
    [InlineData("#\tTabbed\n", "Tabbed")]
    [InlineData("#    Spaced   \n", "Spaced")]
    [InlineData("## Closing ##\n", "Closing")]
    [InlineData("## Closing ###   \n", "Closing")]
    [InlineData("## C# ##\n", "C#")]
    [InlineData("# Hash#\n", "Hash#")]
    [InlineData("   # Three spaces\n", "Three spaces")]
    [InlineData("# \n", "")]
    [InlineData("#\n", "")]
    [InlineData("###### Six\n", "Six")]
    public void ATX_heading_forms(string line, string title)
    {
        var r = Split("a.md", "text\n" + line + "body\n");

        Assert.Equal(SectionKind.Heading, r.Sections[1].Kind);
        Assert.Equal(title, r.Sections[1].Title);
    }

    [Theory]
    [InlineData("#hashtag\n")]
    [InlineData("    # four spaces is code\n")]
    [InlineData("\t# a tab is code\n")]
    [InlineData("####### seven\n")]
    [InlineData("Setext title\n============\n")]
    [InlineData("<!--\n# commented out\n-->\n")]
    [InlineData("> # quoted\n")]
    public void Lines_that_are_not_headings(string text)
    {
        var r = Split("a.md", "# A\n" + text + "end\n");

        Assert.Equal(["h1 A"], Outline(r));
    }

    [Fact]
    public void A_heading_on_the_last_line_without_newline_is_a_section()
    {
        var r = Split("a.md", "# A\ntext\n## Last");

        Assert.Equal(["h1 A", "  h2 Last"], Outline(r));
        Assert.Equal("## Last", r.Sections[1].Text());
        Assert.Equal(3, r.Sections[1].StartLine);
    }

    [Fact]
    public void XML_block_tags_are_sections_and_hold_their_headings()
    {
        var text = "# Agent\n<instructions>\nDo this.\n## Inside\nmore\n</instructions>\nAfter the tag.\n<example type=\"good\">\nx\n</example>\n# Next\n";

        var r = Split("agents/a.md", text);

        Assert.Equal(["h1 Agent", "  tag instructions", "    h2 Inside", "  text After the tag.", "  tag example type=\"good\"", "h1 Next"], Outline(r));
        Assert.Equal("<instructions>\nDo this.\n", r.Sections[1].Text());
        Assert.Equal("## Inside\nmore\n</instructions>\n", r.Sections[2].Text());
    }

    [Fact]
    public void Tags_nest_and_unpaired_or_inline_tags_are_text()
    {
        var text = "<examples>\n  <example>\n  one\n  </example>\n  <br>\n</examples>\n<note>never closed\n<inline>x</inline>\n";

        Assert.Equal(["tag examples", "  tag example", "  text <br>", "text <note>never closed"], Outline(Split("a.md", text)));
    }

    [Fact]
    public void Frontmatter_only_at_the_very_start_closed_by_dashes_or_dots()
    {
        Assert.Equal(["frontmatter frontmatter", "h1 A"], Outline(Split("a.md", "---\na: 1\n...\n# A\n")));
        Assert.Equal(["frontmatter frontmatter", "h1 A"], Outline(Split("a.md", "\uFEFF---\r\na: 1\r\n---\r\n# A\r\n")));
        Assert.Equal(["preamble ---", "h1 A"], Outline(Split("a.md", "---\nnever closed\n# A\n")));
        Assert.Equal(["preamble Text", "h1 A"], Outline(Split("a.md", "Text\n---\na: 1\n---\n# A\n")));
    }

    [Fact]
    public void Blank_lines_after_frontmatter_stay_with_it_and_a_leading_bom_opens_the_first_section()
    {
        var r = Split("a.md", "---\na: 1\n---\n\n\n# A\n");
        Assert.Equal("---\na: 1\n---\n\n\n", r.Sections[0].Text());

        r = Split("a.md", "\uFEFF# Title\n");
        Assert.Equal(["h1 Title"], Outline(r));
        Assert.Equal(0, r.Sections[0].Offset);
    }

    [Fact]
    public void Frontmatter_fields_are_read()
    {
        var r = Split("skills/x/SKILL.md", "---\nname: pdf-tools\ndescription: \"Read PDFs\"\nallowed-tools:\n  - Read\n  - Bash\nnotes: |\n  one\n  two\nmeta:\n  nested: yes\n---\n# PDF\n");

        Assert.Equal("pdf-tools", r.Frontmatter["name"]);
        Assert.Equal("Read PDFs", r.Frontmatter["description"]);
        Assert.Equal("Read, Bash", r.Frontmatter["allowed-tools"]);
        Assert.Equal("one\ntwo", r.Frontmatter["notes"]);
        Assert.False(r.Frontmatter.ContainsKey("meta"));
    }

    [Fact]
    public void A_file_without_headings_is_one_preamble()
    {
        Assert.Equal(["preamble just text"], Outline(Split("a.md", "just text\nmore\n")));
    }

    [Fact]
    public void Keys_are_paths_of_titles_with_ordinals_for_repeats()
    {
        var r = Split("a.md", "# Usage\n## Example\n## Example\n## A/B ~ 100%\n# Usage\n<example>\n</example>\n<example>\n</example>\ntail\n");

        Assert.Equal(
            ["h:Usage", "h:Usage/h:Example", "h:Usage/h:Example~2", "h:Usage/h:A%2FB %7E 100%25", "h:Usage~2", "h:Usage~2/tag:example", "h:Usage~2/tag:example~2", "h:Usage~2/text"],
            r.Sections.Select(s => s.Key));
    }

    [Fact]
    public void Keys_of_unchanged_sections_survive_edits_elsewhere()
    {
        var before = Split("a.md", "# Intro\nold text\n## Setup\nsteps\n## Usage\nrun it\n");
        var after = Split("a.md", "# Intro\nnew, longer text\n## Setup\nsteps\n## Usage\nrun it\n");

        Assert.Equal(before.Sections.Select(s => s.Key), after.Sections.Select(s => s.Key));
        Assert.NotEqual(before.Sections[0].Sha256, after.Sections[0].Sha256);
        Assert.Equal(before.Sections[1].Sha256, after.Sections[1].Sha256);
        Assert.Equal(before.Sections[2].Sha256, after.Sections[2].Sha256);
    }

    [Fact]
    public void Line_ranges_count_LF_CRLF_and_lone_CR()
    {
        var r = Split("a.md", "# A\r\nx\ry\n# B\r\n\r\n# C");

        Assert.Equal([(1, 3), (4, 5), (6, 6)], r.Sections.Select(s => (s.StartLine, s.EndLine)));
    }
}
